//! `runsc syscalls`: the compatibility table the sentry dispatches from.

use super::CmdError;
use crate::cli::TableFormat;
use sentry::syscalls::{table, Support};

fn level(s: Support) -> (&'static str, &'static str) {
    match s {
        Support::Full => ("full", ""),
        Support::Partial(n) => ("partial", n),
        Support::Unimplemented(n) => ("unimplemented", n),
    }
}

/// Prints the table.
pub fn run(format: TableFormat) -> Result<i32, CmdError> {
    let rows: Vec<_> = table().collect();
    match format {
        TableFormat::Table => {
            println!("{:>4}  {:<24} {:<14} NOTE", "NR", "NAME", "SUPPORT");
            for (nr, e) in rows {
                let (lvl, note) = level(e.support);
                println!("{nr:>4}  {:<24} {lvl:<14} {note}", e.name);
            }
        }
        TableFormat::Json => {
            let v: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|(nr, e)| {
                    let (lvl, note) = level(e.support);
                    serde_json::json!({"nr": nr, "name": e.name, "support": lvl, "note": note, "errno": e.errno.to_string()})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
    Ok(0)
}
