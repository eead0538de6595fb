//! One face for both stores. The storage code is written once, against this small subset of rusqlite's API
//! (`prepare_cached`, `execute`, `query_row`, `query_map`, `transaction`), in SQL that both SQLite and PostgreSQL
//! take: numbered parameters (`?1`, rewritten to `$1` for PostgreSQL), `RETURNING`, `ON CONFLICT`, and a `CAST`
//! where PostgreSQL's types would otherwise differ (`SUM` of integers is NUMERIC there).
//!
//! Errors stay `rusqlite::Error`, so callers keep one error type: PostgreSQL's are mapped to SQLite's codes
//! (a unique or check violation is `SQLITE_CONSTRAINT` either way).

use std::cell::RefCell;

use rusqlite::types::{FromSql, ToSql, ToSqlOutput, Value, ValueRef};

use super::pg::{PgClient, Renumbered};

/// A connection to either store, for one call of [`super::Db::read`] or [`super::Db::write`].
pub struct Connection<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Pg(RefCell<&'a mut PgClient>),
}

impl<'a> Connection<'a> {
    pub fn sqlite(conn: &'a rusqlite::Connection) -> Self {
        Self {
            inner: Inner::Sqlite(conn),
        }
    }

    pub fn pg(client: &'a mut PgClient) -> Self {
        Self {
            inner: Inner::Pg(RefCell::new(client)),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.inner, Inner::Pg(_))
    }

    pub fn prepare_cached(&self, sql: &str) -> rusqlite::Result<Statement<'_>> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(Statement::Sqlite(c.prepare_cached(sql)?)),
            Inner::Pg(c) => Ok(Statement::Pg {
                pg: c,
                sql: sql.to_owned(),
            }),
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Statements without parameters, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        match &self.inner {
            Inner::Sqlite(c) => c.execute_batch(sql),
            Inner::Pg(c) => c.borrow_mut().batch(sql),
        }
    }

    /// Begins a transaction, rolled back unless [`Transaction::commit`] is called. Writers take it at once
    /// (SQLite's `BEGIN IMMEDIATE`), so a read-then-write inside it never meets a busy database half-way.
    pub fn transaction(&self) -> rusqlite::Result<Transaction<'_, 'a>> {
        self.begin()?;
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }

    pub fn begin(&self) -> rusqlite::Result<()> {
        match &self.inner {
            Inner::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE"),
            Inner::Pg(c) => c.borrow_mut().begin(),
        }
    }

    /// Commits; on PostgreSQL the events stored get their final cursors here (see [`PgClient::commit`]).
    pub fn commit(&self) -> rusqlite::Result<Renumbered> {
        match &self.inner {
            Inner::Sqlite(c) => c.execute_batch("COMMIT").map(|()| Renumbered::default()),
            Inner::Pg(c) => c.borrow_mut().commit(),
        }
    }

    pub fn rollback(&self) -> rusqlite::Result<()> {
        match &self.inner {
            Inner::Sqlite(c) => c.execute_batch("ROLLBACK"),
            Inner::Pg(c) => c.borrow_mut().rollback(),
        }
    }

    /// Called once an event is stored with `cursor`. On SQLite, with its one writer, cursors follow commit order
    /// as they are given. On PostgreSQL the cursor is provisional, and final at commit (see [`PgClient::commit`]),
    /// so the event must be stored inside a transaction.
    pub fn stored_event(&self, cursor: i64) -> rusqlite::Result<()> {
        match &self.inner {
            Inner::Sqlite(_) => Ok(()),
            Inner::Pg(c) => c.borrow_mut().stored_event(cursor),
        }
    }
}

/// A transaction on a [`Connection`]; it derefs to the connection, and rolls back when dropped uncommitted.
pub struct Transaction<'c, 'a> {
    conn: &'c Connection<'a>,
    done: bool,
}

impl<'a> std::ops::Deref for Transaction<'_, 'a> {
    type Target = Connection<'a>;
    fn deref(&self) -> &Connection<'a> {
        self.conn
    }
}

impl Transaction<'_, '_> {
    pub fn commit(mut self) -> rusqlite::Result<()> {
        self.done = true;
        self.conn.commit().map(drop)
    }
}

impl Drop for Transaction<'_, '_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.rollback();
        }
    }
}

/// Parameters, as rusqlite takes them: `params![...]`, an array of one type, or `()` for none.
pub trait Params {
    fn values(&self) -> rusqlite::Result<Vec<Value>>;
    fn refs(&self) -> Vec<&dyn ToSql>;
}

impl Params for () {
    fn values(&self) -> rusqlite::Result<Vec<Value>> {
        Ok(Vec::new())
    }
    fn refs(&self) -> Vec<&dyn ToSql> {
        Vec::new()
    }
}

impl<T: ToSql> Params for &[T] {
    fn values(&self) -> rusqlite::Result<Vec<Value>> {
        self.iter().map(|p| owned(p)).collect()
    }
    fn refs(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|p| p as &dyn ToSql).collect()
    }
}

impl<T: ToSql, const N: usize> Params for [T; N] {
    fn values(&self) -> rusqlite::Result<Vec<Value>> {
        self.iter().map(|p| owned(p)).collect()
    }
    fn refs(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|p| p as &dyn ToSql).collect()
    }
}

fn owned(p: &dyn ToSql) -> rusqlite::Result<Value> {
    Ok(match p.to_sql()? {
        ToSqlOutput::Borrowed(v) => match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        },
        ToSqlOutput::Owned(v) => v,
        other => {
            return Err(rusqlite::Error::ToSqlConversionFailure(
                format!("unsupported parameter {other:?}").into(),
            ))
        }
    })
}

pub enum Statement<'s> {
    Sqlite(rusqlite::CachedStatement<'s>),
    Pg { pg: &'s dyn PgRun, sql: String },
}

/// What a PostgreSQL statement needs of its connection (a trait object, so the statement does not carry the
/// connection's own lifetime).
pub trait PgRun {
    fn query(&self, sql: &str, values: &[Value]) -> rusqlite::Result<Vec<Vec<Value>>>;
    fn execute(&self, sql: &str, values: &[Value]) -> rusqlite::Result<u64>;
}

impl PgRun for RefCell<&mut PgClient> {
    fn query(&self, sql: &str, values: &[Value]) -> rusqlite::Result<Vec<Vec<Value>>> {
        self.borrow_mut().query(sql, values)
    }
    fn execute(&self, sql: &str, values: &[Value]) -> rusqlite::Result<u64> {
        self.borrow_mut().execute(sql, values)
    }
}

impl Statement<'_> {
    fn pg_rows(&self, params: &dyn Params) -> rusqlite::Result<Vec<Vec<Value>>> {
        let Statement::Pg { pg, sql } = self else {
            unreachable!("only PostgreSQL statements fetch rows eagerly")
        };
        pg.query(sql, &params.values()?)
    }

    pub fn execute<P: Params>(&mut self, params: P) -> rusqlite::Result<usize> {
        match self {
            Statement::Sqlite(s) => s.execute(params.refs().as_slice()),
            Statement::Pg { pg, sql } => Ok(pg.execute(sql, &params.values()?)? as usize),
        }
    }

    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &mut self,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        match self {
            Statement::Sqlite(s) => s.query_row(params.refs().as_slice(), |r| f(&Row::Sqlite(r))),
            Statement::Pg { .. } => {
                let rows = self.pg_rows(&params)?;
                let first = rows.first().ok_or(rusqlite::Error::QueryReturnedNoRows)?;
                f(&Row::Values(first))
            }
        }
    }

    /// Every row, mapped by `f` (read whole: the pages asked for are bounded by their `LIMIT`).
    pub fn query_map<T, P: Params, F: FnMut(&Row<'_>) -> rusqlite::Result<T>>(
        &mut self,
        params: P,
        mut f: F,
    ) -> rusqlite::Result<std::vec::IntoIter<rusqlite::Result<T>>> {
        let mapped: Vec<rusqlite::Result<T>> = match self {
            Statement::Sqlite(s) => s
                .query_map(params.refs().as_slice(), |r| f(&Row::Sqlite(r)))?
                .collect(),
            Statement::Pg { .. } => self
                .pg_rows(&params)?
                .iter()
                .map(|r| f(&Row::Values(r)))
                .collect(),
        };
        Ok(mapped.into_iter())
    }
}

/// A column's position (as rusqlite's `RowIndex`, by number only).
pub trait ColumnIndex {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// A row of either store.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Values(&'r [Value]),
}

impl Row<'_> {
    pub fn get<I: ColumnIndex, T: FromSql>(&self, idx: I) -> rusqlite::Result<T> {
        let idx = idx.index();
        match self {
            Row::Sqlite(r) => r.get(idx),
            Row::Values(v) => {
                let value = self.get_ref(idx)?;
                T::column_result(value).map_err(|e| match e {
                    rusqlite::types::FromSqlError::InvalidType => {
                        rusqlite::Error::InvalidColumnType(idx, format!("#{idx}"), kind(&v[idx]))
                    }
                    other => rusqlite::Error::FromSqlConversionFailure(
                        idx,
                        kind(&v[idx]),
                        Box::new(other),
                    ),
                })
            }
        }
    }

    pub fn get_ref(&self, idx: usize) -> rusqlite::Result<ValueRef<'_>> {
        match self {
            Row::Sqlite(r) => r.get_ref(idx),
            Row::Values(v) => v
                .get(idx)
                .map(ValueRef::from)
                .ok_or(rusqlite::Error::InvalidColumnIndex(idx)),
        }
    }
}

fn kind(v: &Value) -> rusqlite::types::Type {
    v.data_type()
}

/// `?1` → `$1` (and a bare `?` → the next number), outside quoted text.
pub(super) fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let (mut quoted, mut next) = (false, 1);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                } else {
                    out.push_str(&next.to_string());
                    next += 1;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_and_bare_parameters_become_dollars_outside_quotes() {
        assert_eq!(
            to_postgres("SELECT ?1, ?12, '?3' WHERE a = ? AND b = ?"),
            "SELECT $1, $12, '?3' WHERE a = $1 AND b = $2"
        );
    }

    #[test]
    fn rows_of_values_read_as_sqlite_rows_do() {
        let values = [Value::Integer(7), Value::Text("x".into()), Value::Null];
        let row = Row::Values(&values);
        assert_eq!(row.get::<_, i64>(0).unwrap(), 7);
        assert!(row.get::<_, bool>(0).unwrap());
        assert_eq!(row.get::<_, String>(1).unwrap(), "x");
        assert_eq!(row.get::<_, Option<String>>(2).unwrap(), None);
        assert!(row.get::<_, i64>(1).is_err());
        assert!(row.get::<_, i64>(3).is_err());
    }

    #[test]
    fn parameters_become_values() {
        let (a, b): (i64, Option<&str>) = (3, None);
        let p: &[&dyn ToSql] = rusqlite::params![a, b, true, "t"];
        assert_eq!(
            p.values().unwrap(),
            [
                Value::Integer(3),
                Value::Null,
                Value::Integer(1),
                Value::Text("t".into())
            ]
        );
    }
}
