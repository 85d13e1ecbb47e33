//! The query engine's error messages as segc shows them.

use datafusion::error::DataFusionError;

/// `error`'s whole message on one line: DataFusion puts the cause (a CSV line and column, the
/// value that did not parse) on the lines after the first, so every line is kept.
pub(crate) fn engine_message(error: &DataFusionError) -> String {
    one_line(&error.to_string())
}

/// The system's own words when `error` was caused by the machine rather than the data (no space
/// left, permission denied, too many open files), found in its chain of causes.
pub(crate) fn system_error(error: &DataFusionError) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.raw_os_error().is_some()
        {
            return Some(io.to_string());
        }
        cause = e.source();
    }
    // Some readers keep only the text of the system's error (`IO error: No space left on device
    // (os error 28) at path ...`).
    let text = engine_message(error);
    text.contains("(os error ").then_some(text)
}

/// `text`'s lines joined, without blank ones.
pub(crate) fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What is known of the registered sources to make the readers' messages readable.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourcesSeen {
    /// Folders (or files) listed, as the object store names them (no leading `/`, no bucket),
    /// and as they are shown (local: absolute or relative to the current folder; remote: the URL).
    listed: Vec<(String, String)>,
    /// The columns of each CSV source, in file order.
    csv_columns: Vec<Vec<String>>,
}

impl SourcesSeen {
    /// Records a registered source: what it lists and, for CSV, its columns.
    pub(crate) fn add(&mut self, listed: &super::Resolved, csv_columns: Option<Vec<String>>) {
        match listed.remote {
            None => {
                if let Ok(absolute) = std::path::absolute(listed.listed_folder_or_file()) {
                    let text = absolute.to_string_lossy();
                    let text = text.trim_start_matches('/').trim_end_matches('/');
                    if !text.is_empty() {
                        let shown = super::location::shown(&format!("/{text}"));
                        self.listed.push((text.to_string(), shown));
                    }
                }
            }
            Some(_) => {
                let folder = listed.listed_folder_or_file();
                let url = folder.to_string_lossy();
                let url = url.trim_end_matches('/');
                // `s3://bucket/orders` is named `orders` by its store.
                let key = url
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split_once('/'))
                    .map_or("", |(_, key)| key);
                if !key.is_empty() {
                    self.listed.push((key.to_string(), url.to_string()));
                }
            }
        }
        self.csv_columns.extend(csv_columns);
    }

    /// `message` with paths given back their leading `/` (shown relative to the current folder),
    /// a CSV column number replaced by its name when only one name fits, and the row quoted by
    /// the CSV reader removed (it can hold any data; the line number says where it is).
    pub(crate) fn tidy(&self, message: &str) -> String {
        let mut text = match message.find(". Row data: '") {
            Some(at) => format!("{}.", &message[..at]),
            None => message.to_string(),
        };
        for (listed, shown) in &self.listed {
            for before in [" ", "(", "`", "'"] {
                text = text.replace(&format!("{before}{listed}"), &format!("{before}{shown}"));
            }
        }
        self.name_column(&text)
    }

    fn name_column(&self, text: &str) -> String {
        const MARK: &str = " for column ";
        let Some(at) = text.find(MARK) else {
            return text.to_string();
        };
        let rest = &text[at + MARK.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(index) = digits.parse::<usize>() else {
            return text.to_string();
        };
        let mut names = self.csv_columns.iter().filter_map(|c| c.get(index));
        let Some(first) = names.next() else {
            return text.to_string();
        };
        if names.any(|n| n != first) {
            return text.to_string();
        }
        format!("{}{MARK}`{first}`{}", &text[..at], &rest[digits.len()..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_files_are_named_by_their_url() {
        let mut seen = SourcesSeen::default();
        let lake = super::super::Resolved::at("s3://lake/orders/", Some(super::super::Cloud::S3));
        seen.add(&lake, None);
        assert_eq!(
            seen.tidy("Error reading `orders/part-1.parquet`: bad page"),
            "Error reading `s3://lake/orders/part-1.parquet`: bad page"
        );
    }

    #[test]
    fn messages_name_columns_and_drop_rows() {
        let mut seen = SourcesSeen::default();
        seen.add(
            &super::super::Resolved::at("/srv/x/customers.csv", None),
            Some(vec!["id".into(), "income".into(), "born".into()]),
        );
        let message = "Parser error: Error while parsing value 'x' as type 'Date32' for column 2 at line 7. Row data: '[3,5,x]'";
        assert_eq!(
            seen.tidy(message),
            "Parser error: Error while parsing value 'x' as type 'Date32' for column `born` at line 7."
        );
        assert_eq!(
            seen.tidy("Error when processing CSV file srv/x/customers.csv caused by"),
            "Error when processing CSV file /srv/x/customers.csv caused by"
        );
        seen.add(
            &super::super::Resolved::at("/srv/y.csv", None),
            Some(vec!["id".into(), "x".into(), "when".into()]),
        );
        assert!(seen.tidy(message).contains("for column 2 at line 7."));
    }
}
