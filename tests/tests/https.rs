//! The kassa-backend process with --tls-cert and --tls-key: it says it listens on https:// (the app's sidecar
//! start-up and these tests read that line) and answers there to a client that trusts the shop's CA.

use std::path::Path;
use std::time::Duration;

use kassa_tests::{command, free_port, Proc};

/// A CA's PEM, and the paths of a certificate it signed for localhost and 127.0.0.1 and of its key.
fn certs(dir: &Path) -> (String, String, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Kassa test shop CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.use_authority_key_identifier_extension = true;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (
        ca_cert.pem(),
        cert_path.to_str().unwrap().to_owned(),
        key_path.to_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn it_says_https_and_serves_there() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certs(dir.path());
    let port = free_port();
    let mut cmd = command("kassa-backend");
    cmd.args(["--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path().join("data"))
        .args(["--simulate", "--tls-cert", &cert, "--tls-key", &key]);
    let mut proc = Proc::spawn("kassa-backend", cmd);
    let url = proc
        .wait_for_line("kassa-backend listening on ")
        .trim()
        .to_owned();
    assert_eq!(url, format!("https://127.0.0.1:{port}"));

    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let resp = http.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200, "stderr:\n{}", proc.stderr());
}
