//! Closing the day at the till: the X report (the open shift's figures, changing nothing) and the Z report
//! (closing the shift against the counted cash). A Z report is stored here in the same transaction that closes
//! the shift, then sent to the backend from that durable record, exactly once, as cash tenders are.

use kassa_api::{ShiftReport, StoredShiftReport};
use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::error::{Result, TillError};
use crate::store::shifts;
use crate::Till;

impl Till {
    /// The X report: the open shift so far.
    pub async fn shift_report(&self) -> Result<ShiftReport> {
        self.admin()?;
        let (terminal, currency) = (self.terminal.clone(), self.currency()?);
        self.with_db(move |c| {
            let shift = shifts::current(c)?;
            shifts::report(c, &terminal, &currency, &shift, None, None)
        })
        .await
    }

    /// The Z report: closes the shift with the cash the cashier counted, and opens the next one with
    /// `next_float` left in the drawer.
    pub async fn close_shift(&self, counted_cash: i64, next_float: i64) -> Result<ShiftReport> {
        self.admin()?;
        let currency = self.currency()?;
        let max = kassa_stripe::currency::lookup(&currency).map_or(i64::MAX, |c| c.maximum());
        for (field, amount) in [("counted_cash", counted_cash), ("next_float", next_float)] {
            if !(0..=max).contains(&amount) {
                return Err(TillError::Invalid {
                    field,
                    message: format!("{field} must be between 0 and {max} in minor units"),
                });
            }
        }
        let report_id = format!(
            "z_{}",
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(20)
                .map(char::from)
                .collect::<String>()
        );
        let (terminal, now) = (self.terminal.clone(), self.now());
        let report = self
            .with_db(move |c| {
                shifts::close(
                    c,
                    &terminal,
                    &currency,
                    counted_cash,
                    next_float,
                    &report_id,
                    now,
                )
            })
            .await?;
        self.cash_waiting.notify_one();
        Ok(report)
    }

    /// Sends closed shifts' reports the backend does not have yet; stops at an outage, passes over (and keeps)
    /// one it refuses for good.
    pub async fn send_shift_reports(&self) -> Result<usize> {
        let mut sent = 0;
        for (id, report) in self.with_db(shifts::unsent).await? {
            match self.backend.put_shift_report(&id, &report).await {
                Ok(_) => {
                    let now = self.now();
                    self.with_db(move |c| shifts::mark_sent(c, &id, now))
                        .await?;
                    sent += 1;
                }
                Err(e) if e.is_refusal() => {
                    tracing::error!(report = %id, "the backend refused a shift report: {e}");
                    let why = e.to_string();
                    self.with_db(move |c| shifts::mark_refused(c, &id, &why))
                        .await?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }

    /// Every till's stored Z reports, from the backend (the admin screen's list).
    pub async fn shift_reports(&self) -> Result<Vec<StoredShiftReport>> {
        self.admin()?;
        Ok(self.backend.shift_reports().await?.reports)
    }

    /// The stored Z reports as a CSV file in `dir`: its path, its rows, and its text.
    pub async fn export_shift_reports(
        &self,
        dir: &std::path::Path,
    ) -> Result<(std::path::PathBuf, usize, String)> {
        let reports = self.shift_reports().await?;
        let csv = reports_csv(&reports);
        std::fs::create_dir_all(dir)
            .map_err(|e| TillError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(format!("z-reports-{}.csv", self.now()));
        std::fs::write(&path, &csv)
            .map_err(|e| TillError::Storage(format!("cannot write {}: {e}", path.display())))?;
        Ok((path, reports.len(), csv))
    }

    /// This till's own Z reports, from its database, with whether the backend has each: they are listed even
    /// while the backend is down.
    pub async fn local_shift_reports(&self) -> Result<Vec<(ShiftReport, bool)>> {
        self.admin()?;
        self.with_db(|c| shifts::closed(c, 100)).await
    }
}

/// Z reports as CSV, one row per report: what an accountant's spreadsheet takes.
pub fn reports_csv(reports: &[StoredShiftReport]) -> String {
    let mut out = String::from(
        "terminal,z_number,opened_at,closed_at,currency,sales,gross,cash,card,tips,tax,refunds,opening_float,expected_cash,counted_cash,difference,report_id\n",
    );
    for s in reports {
        let r = &s.report;
        let tender = |kind: &str| {
            r.tenders
                .iter()
                .filter(|t| t.kind == kind)
                .map(|t| t.amount)
                .sum::<i64>()
        };
        let money = |amount: i64| {
            kassa_stripe::currency::lookup(&r.currency)
                .map(|c| c.format_minor(amount))
                .unwrap_or_else(|| amount.to_string())
        };
        let time = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        };
        let tax: i64 = r.taxes.iter().map(|t| t.tax).sum();
        let fields = [
            crate::admin::csv_field(&r.terminal),
            r.number.to_string(),
            time(r.opened_at),
            time(r.closed_at.unwrap_or_default()),
            r.currency.clone(),
            r.sales_count.to_string(),
            money(r.gross),
            money(tender("cash")),
            money(tender("card")),
            money(r.tips),
            money(tax),
            money(r.refunds),
            money(r.opening_float),
            money(r.expected_cash),
            r.counted_cash.map(money).unwrap_or_default(),
            r.difference
                .map(|d| {
                    if d < 0 {
                        format!("-{}", money(-d))
                    } else {
                        money(d)
                    }
                })
                .unwrap_or_default(),
            s.report_id.clone(),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}
