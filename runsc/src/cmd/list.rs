//! `runsc list [--format text|json] [-q]`: the containers under --root.

use super::CmdError;
use crate::cli::{GlobalOpts, ListFormat};
use crate::oci::state::{list_ids, Container};
use serde_json::Value;

/// `runsc list`.
pub fn run(global: &GlobalOpts, format: ListFormat, quiet: bool) -> Result<i32, CmdError> {
    let ids = list_ids(&global.root);
    if quiet {
        for id in ids {
            println!("{id}");
        }
        return Ok(0);
    }
    // A container deleted meanwhile is skipped.
    let states: Vec<Value> = ids
        .iter()
        .filter_map(|id| Container::peek(&global.root, id).ok())
        .map(|st| st.to_oci())
        .collect();
    match format {
        ListFormat::Json => println!("{}", serde_json::to_string(&states).unwrap_or_default()),
        ListFormat::Text => {
            let cols = ["id", "pid", "status", "bundle", "created", "owner"];
            let mut rows = vec![cols.map(|c| c.to_ascii_uppercase())];
            for s in &states {
                rows.push(cols.map(|c| match &s[c] {
                    Value::String(v) => v.clone(),
                    v => v.to_string(),
                }));
            }
            let widths: Vec<usize> = (0..cols.len())
                .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
                .collect();
            for r in rows {
                let line: Vec<String> = r
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect();
                println!("{}", line.join("   ").trim_end());
            }
        }
    }
    Ok(0)
}
