//! One way to ask either engine a question, so that each of the commands' read queries is
//! written once (`read.rs`, `facts.rs`) and answered alike by SQLite and PostgreSQL.
//!
//! The SQL is written in SQLite's spelling, kept to what both engines share: numbered
//! parameters `?1` (or `?` in order), `instr(a, b)`, flags as 0/1 integers compared with `= 1`
//! and summed through `CASE`. For PostgreSQL `postgres_sql` respells the parameters (`$1`) and
//! `instr` (`strpos`); nothing else differs. Rows come back as `Cells`: text and integers,
//! which is all the store's columns hold.

use anyhow::{Context, Result};
use std::cell::RefCell;

/// A query parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    Text(String),
}

/// A row's columns, from either engine.
pub trait Cells {
    /// A text column (`None` when NULL).
    fn text(&self, i: usize) -> Result<Option<&str>>;
    /// An integer column (`None` when NULL).
    fn int(&self, i: usize) -> Result<Option<i64>>;

    /// A text column, empty when NULL.
    fn text_or_empty(&self, i: usize) -> Result<&str> {
        Ok(self.text(i)?.unwrap_or_default())
    }
    /// A 0/1 column, false when NULL.
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.int(i)?.unwrap_or(0) != 0)
    }
    /// A count.
    fn count(&self, i: usize) -> Result<u64> {
        Ok(self.int(i)?.unwrap_or(0).max(0) as u64)
    }
    fn owned(&self, i: usize) -> Result<Option<String>> {
        Ok(self.text(i)?.map(str::to_owned))
    }
}

/// Something that answers SQL: an SQLite connection or a PostgreSQL client.
pub trait Engine {
    /// Calls `each` with the rows of `sql` in order, streaming, until it returns `false`.
    fn each_row(
        &self,
        sql: &str,
        params: &[Param],
        each: &mut dyn FnMut(&dyn Cells) -> Result<bool>,
    ) -> Result<()>;

    /// The store's name for messages (a path, or a URL without its password).
    fn shown(&self) -> String;
}

/// Runs a query that returns one row, giving `read` that row.
pub fn one_row<T>(
    engine: &dyn Engine,
    sql: &str,
    params: &[Param],
    read: impl FnOnce(&dyn Cells) -> Result<T>,
) -> Result<T> {
    let mut read = Some(read);
    let mut value = None;
    engine.each_row(sql, params, &mut |row| {
        if let Some(read) = read.take() {
            value = Some(read(row)?);
        }
        Ok(false)
    })?;
    value.context("a query that answers one row answered none")
}

struct SqliteCells<'r, 's>(&'r rusqlite::Row<'s>);

impl Cells for SqliteCells<'_, '_> {
    fn text(&self, i: usize) -> Result<Option<&str>> {
        Ok(self.0.get_ref(i)?.as_str_or_null()?)
    }

    fn int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.0.get(i)?)
    }
}

/// An SQLite row as `Cells` (for the store's own statements).
pub fn sqlite_cells<'r, 's>(row: &'r rusqlite::Row<'s>) -> impl Cells + 'r {
    SqliteCells(row)
}

/// An SQLite connection with the store's name.
pub struct SqliteEngine<'c> {
    pub conn: &'c rusqlite::Connection,
    pub shown: String,
}

impl Engine for SqliteEngine<'_> {
    fn each_row(
        &self,
        sql: &str,
        params: &[Param],
        each: &mut dyn FnMut(&dyn Cells) -> Result<bool>,
    ) -> Result<()> {
        let context = || format!("cannot read the database `{}`", self.shown);
        let mut stmt = self.conn.prepare(sql).with_context(context)?;
        let values: Vec<rusqlite::types::Value> = params
            .iter()
            .map(|p| match p {
                Param::Int(n) => rusqlite::types::Value::Integer(*n),
                Param::Text(t) => rusqlite::types::Value::Text(t.clone()),
            })
            .collect();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values))
            .with_context(context)?;
        while let Some(row) = rows.next().with_context(context)? {
            if !each(&SqliteCells(row))? {
                break;
            }
        }
        Ok(())
    }

    fn shown(&self) -> String {
        self.shown.clone()
    }
}

/// `sql` in PostgreSQL's spelling: `?N` and `?` as `$N`, `instr(` as `strpos(`.
pub fn postgres_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut next = 1;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '?' {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            digits.push(d);
            chars.next();
        }
        if digits.is_empty() {
            digits = next.to_string();
            next += 1;
        }
        out.push('$');
        out.push_str(&digits);
    }
    out.replace("instr(", "strpos(")
}

struct PostgresCells<'r>(&'r postgres::Row);

impl Cells for PostgresCells<'_> {
    fn text(&self, i: usize) -> Result<Option<&str>> {
        Ok(self.0.try_get(i)?)
    }

    fn int(&self, i: usize) -> Result<Option<i64>> {
        use postgres::types::Type;
        let column = self.0.columns().get(i).context("no such column")?;
        Ok(match *column.type_() {
            Type::INT2 => self.0.try_get::<_, Option<i16>>(i)?.map(i64::from),
            Type::INT4 => self.0.try_get::<_, Option<i32>>(i)?.map(i64::from),
            Type::BOOL => self.0.try_get::<_, Option<bool>>(i)?.map(i64::from),
            _ => self.0.try_get::<_, Option<i64>>(i)?,
        })
    }
}

/// A PostgreSQL client with the store's name.
pub struct PostgresEngine<'c> {
    pub client: &'c RefCell<postgres::Client>,
    pub shown: String,
}

/// Rows fetched at a time from PostgreSQL: a scan's memory stays bounded.
const PORTAL_ROWS: i32 = 2_000;

impl Engine for PostgresEngine<'_> {
    fn each_row(
        &self,
        sql: &str,
        params: &[Param],
        each: &mut dyn FnMut(&dyn Cells) -> Result<bool>,
    ) -> Result<()> {
        let context = || format!("cannot read the database `{}`", self.shown);
        let values: Vec<Box<dyn postgres::types::ToSql + Sync>> = params
            .iter()
            .map(|p| -> Box<dyn postgres::types::ToSql + Sync> {
                match p {
                    Param::Int(n) => Box::new(*n),
                    Param::Text(t) => Box::new(t.clone()),
                }
            })
            .collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|v| v.as_ref()).collect();
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().with_context(context)?;
        let statement = tx.prepare(&postgres_sql(sql)).with_context(context)?;
        let portal = tx.bind(&statement, &refs).with_context(context)?;
        'rows: loop {
            let rows = tx
                .query_portal(&portal, PORTAL_ROWS)
                .with_context(context)?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                if !each(&PostgresCells(row))? {
                    break 'rows;
                }
            }
        }
        tx.commit().with_context(context)?;
        Ok(())
    }

    fn shown(&self) -> String {
        self.shown.clone()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn postgres_spelling() {
        assert_eq!(
            super::postgres_sql("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1"
        );
        assert_eq!(
            super::postgres_sql(
                "SELECT a FROM t WHERE instr(lower(d), lower(?)) > 0 OR e IN (?, ?)"
            ),
            "SELECT a FROM t WHERE strpos(lower(d), lower($1)) > 0 OR e IN ($2, $3)"
        );
    }
}
