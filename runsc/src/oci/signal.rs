//! Signals as `runsc kill` takes them: a number, a name (`KILL`), or a
//! name with its prefix (`SIGKILL`).

use syscall_tables::signal::{from_name, SIGRTMAX};

/// The signal `s` names; an error line says what is accepted.
pub fn parse(s: &str) -> Result<i32, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i32>() {
        if (1..=SIGRTMAX).contains(&n) {
            return Ok(n);
        }
        return Err(format!(
            "signal {s:?} is out of range: use 1 to {SIGRTMAX} or a name such as TERM or SIGKILL"
        ));
    }
    let upper = t.to_ascii_uppercase();
    let full = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    from_name(&full).ok_or_else(|| {
        format!("unknown signal {s:?}: use a number or a name such as TERM, KILL or SIGHUP")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_names_and_numbers_agree() {
        assert_eq!(parse("9"), Ok(9));
        assert_eq!(parse("KILL"), Ok(9));
        assert_eq!(parse("SIGKILL"), Ok(9));
        assert_eq!(parse("term"), Ok(15));
        assert_eq!(parse("SIGRTMIN+2"), Ok(34));
    }

    #[test]
    fn test_parse_garbage_is_error() {
        assert!(parse("0").is_err());
        assert!(parse("65").is_err());
        assert!(parse("NOPE").is_err());
        assert!(parse("").is_err());
    }
}
