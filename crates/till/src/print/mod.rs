//! Printing receipts on a network receipt printer: ESC/POS over raw TCP (port 9100, "JetDirect"), which
//! nearly every Ethernet or Wi-Fi receipt printer speaks. No dialog and no driver: the till sends the bytes.

pub mod escpos;

use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use ts_rs::TS;

use crate::error::{Result, TillError};

/// The raw printing port.
pub const DEFAULT_PORT: u16 = 9100;
/// A printer that does not answer within this is off, unplugged or elsewhere.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A receipt is a few kilobytes; a printer that takes longer than this to take them is stuck (out of paper
/// with a full buffer, a cover open).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A receipt printer on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptPrinter {
    /// host:port
    pub address: String,
    /// Characters per line: 42 on 80 mm paper (font A), 32 on 58 mm.
    pub columns: usize,
}

impl ReceiptPrinter {
    /// `host` or `host:port` (9100 when left out); `columns` between 24 and 64, 42 when left out.
    pub fn parse(address: &str, columns: Option<usize>) -> Result<Self> {
        let address = address.trim();
        let invalid = |message: String| TillError::Invalid {
            field: "receipt_printer",
            message,
        };
        if address.is_empty() || address.contains('/') || address.chars().any(char::is_whitespace) {
            return Err(invalid(format!(
                "the receipt printer must be host or host:port (like 192.168.1.50:9100), not {address:?}"
            )));
        }
        let address = match address.rsplit_once(':') {
            // An IPv6 address in brackets, or host:port.
            Some((host, port)) if !host.is_empty() && !host.ends_with(':') => {
                port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    invalid(format!(
                        "the receipt printer's port {port:?} is not a port number"
                    ))
                })?;
                address.to_owned()
            }
            _ => format!("{address}:{DEFAULT_PORT}"),
        };
        let columns = columns.unwrap_or(42);
        if !(24..=64).contains(&columns) {
            return Err(TillError::Invalid {
                field: "receipt_columns",
                message: format!("receipt_columns must be between 24 and 64, not {columns}"),
            });
        }
        Ok(Self { address, columns })
    }

    /// Sends one job and waits until the printer has taken every byte.
    pub async fn send(&self, bytes: &[u8]) -> Result<()> {
        let unreachable = |why: String| {
            TillError::Offline(format!(
                "the receipt printer at {} {why}; check that it is on, has paper and is on the network",
                self.address
            ))
        };
        let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.address))
            .await
            .map_err(|_| unreachable("did not answer".into()))?
            .map_err(|e| unreachable(format!("cannot be reached ({e})")))?;
        tokio::time::timeout(WRITE_TIMEOUT, async {
            stream.write_all(bytes).await?;
            stream.flush().await?;
            stream.shutdown().await
        })
        .await
        .map_err(|_| unreachable("stopped taking the receipt".into()))?
        .map_err(|e| unreachable(format!("dropped the receipt ({e})")))?;
        Ok(())
    }
}

/// What printing a receipt did, for the cashier's screen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct Printed {
    pub printer: String,
    pub bytes: usize,
    /// The cash drawer was opened (sales with cash).
    pub drawer_opened: bool,
}
