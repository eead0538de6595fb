//! Receipts on a network receipt printer: the till sends ESC/POS over raw TCP. A fake printer listens on a
//! loopback port and keeps every job's bytes, which the tests read as a printer would.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kassa_tests::reqwest::StatusCode;
use kassa_tests::till::{confirm_as_client, TestTill};
use kassa_tests::Stack;
use kassa_till::error::TillError;
use kassa_till::print::escpos::{CODE_PAGE_858, CUT, DRAWER_KICK, INITIALIZE};
use tempfile::TempDir;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// A receipt printer on 127.0.0.1: one job per connection, read to the end.
struct FakePrinter {
    address: String,
    jobs: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl FakePrinter {
    async fn start() -> FakePrinter {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let jobs = Arc::new(Mutex::new(Vec::new()));
        let kept = jobs.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let mut job = Vec::new();
                    if conn.read_to_end(&mut job).await.is_ok() {
                        kept.lock().unwrap().push(job);
                    }
                });
            }
        });
        FakePrinter { address, jobs }
    }

    async fn job(&self, n: usize) -> Vec<u8> {
        for _ in 0..200 {
            if let Some(job) = self.jobs.lock().unwrap().get(n) {
                return job.clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the printer got no job {n}");
    }
}

fn text(job: &[u8]) -> String {
    oem_cp::decode_string_complete_table(job, &oem_cp::code_table::DECODING_TABLE_CP858)
}

fn contains(job: &[u8], bytes: &[u8]) -> bool {
    job.windows(bytes.len()).any(|w| w == bytes)
}

fn dirs() -> (TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till").join("till.sqlite3");
    let backend = dir.path().join("backend");
    (dir, db, backend)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cash_receipt_prints_with_the_lines_and_totals_a_cut_and_a_drawer_kick_and_a_card_one_without_the_kick(
) {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    let printer = FakePrinter::start().await;
    let mut till =
        TestTill::open_with_printer(&db, &stack.backend.url, &stack.till, Some(&printer.address));
    till.start_sync();
    till.wait_sync("online", |s| s.online).await;

    // Cash: two espressos and a croissant, 7.90, paid with a ten.
    let order = till.till.new_order().unwrap();
    for sku in ["espresso", "espresso", "croissant"] {
        till.till.add_item(sku).unwrap();
    }
    till.till.pay_cash(&order.id, 1000).await.unwrap();
    let printed = till.till.print_receipt(&order.id, true).await.unwrap();
    assert!(printed.drawer_opened);
    let job = printer.job(0).await;
    assert_eq!(printed.bytes, job.len());
    assert!(
        job.starts_with(&[INITIALIZE.as_slice(), &CODE_PAGE_858].concat()),
        "initialise first"
    );
    assert!(
        job.ends_with(&[CUT.as_slice(), &DRAWER_KICK].concat()),
        "cut, then the drawer"
    );
    let printed_text = text(&job);
    for want in [
        "Espresso",
        "  2 x $2.50",
        "Croissant",
        "TOTAL",
        "$7.90",
        "Cash",
        "$10.00",
        "Change",
        "$2.10",
        &order.id,
    ] {
        assert!(
            printed_text.contains(want),
            "{want:?} on the receipt:\n{printed_text}"
        );
    }

    // A reprint of the cash sale does not open the drawer again.
    let reprint = till.till.print_receipt(&order.id, false).await.unwrap();
    assert!(!reprint.drawer_opened);
    assert!(!contains(&printer.job(1).await, &DRAWER_KICK));

    // Card: no drawer, the card named.
    let (card_order, info) = till.sale(&["tea"]).await;
    let (status, body) = confirm_as_client(&stack.http, &info, "pm_card_visa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    till.wait_paid(&card_order.id).await;
    let printed = till.till.print_receipt(&card_order.id, true).await.unwrap();
    assert!(!printed.drawer_opened);
    let job = printer.job(2).await;
    assert!(job.ends_with(&CUT));
    assert!(
        !contains(&job, &DRAWER_KICK),
        "no drawer kick for a card sale"
    );
    assert!(text(&job).contains("Visa **** 4242"), "{}", text(&job));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printer_that_is_off_is_named_and_an_unpaid_sale_or_a_till_without_one_prints_nothing() {
    let (_dir, db, backend) = dirs();
    let stack = Stack::start(&backend);
    // Nothing listens on this port.
    let port = kassa_tests::free_port();
    let till = TestTill::open_with_printer(
        &db,
        &stack.backend.url,
        &stack.till,
        Some(&format!("127.0.0.1:{port}")),
    );
    let order = till.till.new_order().unwrap();
    till.till.add_item("tea").unwrap();
    assert!(matches!(
        till.till.print_receipt(&order.id, true).await,
        Err(TillError::Conflict(_))
    ));
    till.till.pay_cash(&order.id, 220).await.unwrap();
    match till.till.print_receipt(&order.id, true).await {
        Err(TillError::Offline(message)) => {
            assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}")
        }
        other => panic!("an unreachable printer is an error naming it: {other:?}"),
    }
    till.close().await;

    let plain = TestTill::open(&db, &stack.backend.url, &stack.till);
    assert!(matches!(
        plain.till.print_receipt(&order.id, true).await,
        Err(TillError::NotConfigured(_))
    ));
}

#[test]
fn printer_addresses_are_checked_and_default_to_port_9100() {
    use kassa_till::print::ReceiptPrinter;
    assert_eq!(
        ReceiptPrinter::parse("192.168.1.50", None).unwrap().address,
        "192.168.1.50:9100"
    );
    assert_eq!(
        ReceiptPrinter::parse("printer.local:9101", Some(32))
            .unwrap()
            .columns,
        32
    );
    for bad in ["", "http://printer", "host:notaport", "host:0", "a b"] {
        assert!(
            matches!(
                ReceiptPrinter::parse(bad, None),
                Err(TillError::Invalid {
                    field: "receipt_printer",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        ReceiptPrinter::parse("host", Some(100)),
        Err(TillError::Invalid {
            field: "receipt_columns",
            ..
        })
    ));
}
