//! Output: a human table or block by default, one JSON document with `--json`.

use std::io::Write;

use serde::Serialize;

/// Where and how results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// `--json`.
    pub json: bool,
}

impl Out {
    /// Prints `value` as pretty JSON, or the text `human` builds from it.
    pub fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce(&T) -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(text) => print_text(&format!("{text}\n")),
                Err(e) => tracing::error!(%e, "JSON encoding failed"),
            }
        } else {
            print_text(&human(value));
        }
    }

    /// Prints a line of progress or a confirmation (not in JSON mode, where the command's
    /// JSON document is the only output).
    pub fn note(&self, line: &str) {
        if !self.json {
            print_text(&format!("{line}\n"));
        }
    }
}

/// Writes to standard output; a closed pipe (`imadm ... | head`) is not an error.
pub fn print_text(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        // The reader went away: nothing more to say.
    }
}

/// Aligns rows under headers, two spaces between columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// `key: value` lines, keys aligned.
pub fn block(pairs: &[(&str, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    pairs
        .iter()
        .map(|(k, v)| format!("{:<w$} {v}\n", format!("{k}:")))
        .collect()
}

/// An optional value, `-` when absent.
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "-".to_owned(), ToString::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let t = table(&["A", "BB"], &[vec!["xxx".into(), "y".into()]]);
        assert_eq!(t, "A    BB\nxxx  y\n");
        assert_eq!(
            block(&[("a", "1".into()), ("bbb", "2".into())]),
            "a:   1\nbbb: 2\n"
        );
    }
}
