//! The vendored data (tests/fixtures/README.md) is all there and unchanged: a missing or edited file fails here
//! rather than making another test pass or fail for the wrong reason.

use std::path::Path;

use sha2::{Digest, Sha256};

#[test]
fn every_vendored_file_is_present_and_intact() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let list = std::fs::read_to_string(root.join("tests/fixtures/vendored.sha256"))
        .expect("tests/fixtures/vendored.sha256 lists the vendored files");
    let mut checked = 0;
    for line in list.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, path) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("not a sha256sum line: {line}"));
        let bytes = std::fs::read(root.join(path))
            .unwrap_or_else(|e| panic!("{path} is vendored but cannot be read: {e}"));
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            hash,
            "{path} differs from the vendored copy"
        );
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} files listed");
}
