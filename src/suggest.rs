//! "Did you mean" candidates.

/// Up to three names from `candidates` close to `name`, closest first.
///
/// Closeness is the Damerau-Levenshtein distance, also tried case-insensitively; a candidate is kept
/// when the distance is at most a third of the name's length (at least 1, at most 3), or when one
/// name is a prefix of the other and they differ by no more than three characters.
pub fn similar<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let query = Query::new(name);
    let scored = candidates
        .into_iter()
        .filter_map(|c| query.score(c, &c.to_lowercase()))
        .collect();
    closest(scored)
}

/// A name being looked up, lowercased once.
struct Query<'n> {
    name: &'n str,
    lower: String,
    /// The largest distance kept.
    budget: usize,
}

impl<'n> Query<'n> {
    fn new(name: &'n str) -> Self {
        Query {
            name,
            lower: name.to_lowercase(),
            budget: (name.chars().count() / 3).clamp(1, 3),
        }
    }

    /// The distance of candidate `c` (lowercased: `c_lower`), if it is kept.
    fn score<'c>(&self, c: &'c str, c_lower: &str) -> Option<(usize, &'c str)> {
        if c == self.name {
            return None;
        }
        let lower = &self.lower;
        let distance = strsim::damerau_levenshtein(lower, c_lower);
        let prefix = (c_lower.starts_with(lower.as_str()) || lower.starts_with(c_lower))
            && c_lower.len().abs_diff(lower.len()) <= 3
            && lower.len().min(c_lower.len()) >= 2;
        (distance <= self.budget || prefix).then_some((distance, c))
    }
}

/// The three closest of the kept candidates, each name once.
fn closest(mut scored: Vec<(usize, &str)>) -> Vec<String> {
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// Candidates that many names are looked up in: [`similar()`] with the same answers, without
/// comparing every name with every candidate.
///
/// A file with 2,000 unknown names among 2,000 segments made 4 million comparisons (`segc check`
/// took 11 s in a debug build, 191 s with 8,000; issue 15; now 0.3 and 1.4 s). After the first
/// [`Names::SCANNED`] names, the candidates are indexed (see `Index`) and each name is compared
/// with the few that can be kept.
#[derive(Debug, Default)]
pub struct Names {
    names: Vec<String>,
    asked: usize,
    index: Option<Index>,
}

impl Names {
    /// Names looked up by comparing them with every candidate, before the index is built (it
    /// costs a few such scans).
    pub const SCANNED: usize = 8;

    /// The candidates `names`.
    pub fn new(names: impl IntoIterator<Item = String>) -> Self {
        Names {
            names: names.into_iter().collect(),
            ..Names::default()
        }
    }

    /// The number of candidates.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is no candidate.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// What [`similar()`] gives for `name` and these candidates.
    pub fn similar(&mut self, name: &str) -> Vec<String> {
        self.asked += 1;
        if self.asked <= Self::SCANNED {
            return similar(name, self.names.iter().map(String::as_str));
        }
        let index = self.index.get_or_insert_with(|| Index::new(&self.names));
        let query = Query::new(name);
        let scored = index
            .possible(&query)
            .into_iter()
            .filter_map(|i| query.score(&self.names[i], &index.lower[i]))
            .collect();
        closest(scored)
    }
}

/// Characters of a name (lowercased) that its keys are made from.
const KEYED: usize = 6;
/// The most characters deleted to make a key: the largest distance kept.
const DELETED: u32 = 3;

/// The candidates of [`Names`], indexed to find those a name may be close to.
///
/// Within distance `k` (Damerau-Levenshtein, transpositions anywhere included), two names become
/// the same text by deleting at most `k` characters from each (each edit of cost `c` deletes at
/// most `c` characters on either side). The first `KEYED - k` characters of that common text are
/// then what is left of the first `KEYED` characters of each name after deleting at most `k`
/// of them. So a candidate is indexed under every text made by deleting up to three of its first
/// `KEYED` characters (42 texts at most, kept as hashes), and a name is compared only with the
/// candidates found under one of its own such texts (with at most its budget of deletions), of a
/// length within its budget of its own (the distance is at least the difference). Candidates that a name is a prefix of, or that are a
/// prefix of it, are found by binary search among the candidates sorted by length and text.
#[derive(Debug)]
struct Index {
    /// Each candidate lowercased.
    lower: Vec<String>,
    /// Each candidate's number of characters, lowercased.
    chars: Vec<usize>,
    /// (key, candidate), sorted.
    keys: Vec<(u64, u32)>,
    /// Candidates sorted by the length of their lowercased text in bytes, then by that text.
    sorted: Vec<u32>,
}

impl Index {
    fn new(names: &[String]) -> Self {
        let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        let chars = lower.iter().map(|l| l.chars().count()).collect();
        let mut keys = Vec::new();
        let mut own = Vec::new();
        for (i, l) in (0u32..).zip(&lower) {
            own.clear();
            deletions(l, DELETED, |key| own.push(key));
            own.sort_unstable();
            own.dedup();
            keys.extend(own.iter().map(|&key| (key, i)));
        }
        keys.sort_unstable();
        let mut sorted: Vec<u32> = (0..).take(lower.len()).collect();
        sorted.sort_by(|&a, &b| by_length_then_text(&lower[a as usize], &lower[b as usize]));
        Index {
            lower,
            chars,
            keys,
            sorted,
        }
    }

    /// Every candidate that `query` may keep (and some it will not), each once.
    fn possible(&self, query: &Query) -> Vec<usize> {
        let lower = query.lower.as_str();
        let length = lower.chars().count();
        let near = |i: usize| self.chars[i].abs_diff(length) <= query.budget;
        let mut found = Vec::new();
        deletions(lower, query.budget as u32, |key| {
            let from = self.keys.partition_point(|&(k, _)| k < key);
            let same = self.keys[from..].iter().take_while(|&&(k, _)| k == key);
            found.extend(same.map(|&(_, i)| i as usize).filter(|&i| near(i)));
        });
        // A prefix of the name (or the name itself, differently cased), two bytes at least.
        let shortest = lower.len().saturating_sub(3).max(2);
        for end in (shortest..=lower.len()).filter(|&end| lower.is_char_boundary(end)) {
            found.extend(self.starting_with(&lower[..end], end));
        }
        // Names the name is a prefix of, up to three bytes longer.
        if lower.len() >= 2 {
            for length in lower.len() + 1..=lower.len() + 3 {
                found.extend(self.starting_with(lower, length));
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The candidates of `length` bytes (lowercased) that start with `prefix`.
    fn starting_with<'s>(
        &'s self,
        prefix: &'s str,
        length: usize,
    ) -> impl Iterator<Item = usize> + 's {
        let text = |i: &u32| self.lower[*i as usize].as_str();
        let from = self.sorted.partition_point(|i| {
            let t = text(i);
            (t.len(), t) < (length, prefix)
        });
        self.sorted[from..]
            .iter()
            .take_while(move |i| text(i).len() == length && text(i).starts_with(prefix))
            .map(|&i| i as usize)
    }
}

/// Orders texts by length in bytes, then by their bytes.
fn by_length_then_text(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Calls `key` with the hash of every text made by deleting at most `most` of the first
/// [`KEYED`] characters of `text` (the rest dropped): texts that hash alike are only compared.
fn deletions(text: &str, most: u32, mut key: impl FnMut(u64)) {
    let head: Vec<char> = text.chars().take(KEYED).collect();
    for deleted in 0u32..1 << head.len() {
        if deleted.count_ones() > most {
            continue;
        }
        // FNV-1a over the kept characters.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for (i, c) in head.iter().enumerate() {
            if deleted & (1 << i) == 0 {
                hash = (hash ^ u64::from(u32::from(*c))).wrapping_mul(0x0100_0000_01b3);
            }
        }
        key(hash);
    }
}

#[cfg(test)]
mod tests {
    use super::{Names, similar};

    #[test]
    fn close_names() {
        let names = ["prospect", "client", "vip"];
        assert_eq!(similar("prospct", names), ["prospect"]);
        assert_eq!(similar("Client", names), ["client"]);
        assert!(similar("zzz", names).is_empty());
        assert_eq!(similar("incom", ["income", "outcome"]), ["income"]);
    }

    /// The indexed lookup gives what comparing with every candidate gives.
    #[test]
    fn the_index_finds_what_the_scan_finds() {
        let candidates: Vec<String> = [
            "prospect",
            "client",
            "vip",
            "income",
            "outcome",
            "Income",
            "ab",
            "a",
            "abc",
            "abcd",
            "abcdef",
            "abcdefg",
            "abcdefgh",
            "xabcdefgh",
            "bacdefgh",
            "segment_high_value",
            "segment_high_valeu",
            "high",
            "higher",
            "highest",
            "Straße",
            "strasse",
            "ÉTÉ",
            "été",
            "s1",
            "s12",
            "s123",
            "s1234",
            "nope1",
            "n0pe",
            "as_of",
            "customer_id",
            "country",
            "ca",
            "abc_",
            "cab",
            "İstanbul",
            "istanbul",
            "i̇stanbul",
        ]
        .into_iter()
        .map(String::from)
        .chain((0..300).map(|i| format!("s{i}")))
        .collect();
        let names = [
            "prospct",
            "Client",
            "zzz",
            "incom",
            "INCOME",
            "a",
            "b",
            "ab",
            "ba",
            "abdc",
            "bcdefgh",
            "abcdefghij",
            "xbcdefgh",
            "acbdefgh",
            "segment_high_vlaue",
            "segment_hgih_value",
            "hi",
            "hig",
            "highe",
            "strase",
            "STRASSE",
            "ete",
            "ÉTÉ",
            "s",
            "s1",
            "s13",
            "s1243",
            "nope",
            "nope12",
            "asof",
            "customerid",
            "contry",
            "ac",
            "abc",
            "istanbul",
            "İSTANBUL",
            "s299",
            "s2999",
            "s29",
            "2s99",
            "",
            "ç",
            "high_value_customers_of_2024",
        ];
        let mut index = Names::new(candidates.iter().cloned());
        // The first lookups scan; then the index answers.
        for _ in 0..Names::SCANNED {
            index.similar("warm-up");
        }
        for name in names {
            let expected = similar(name, candidates.iter().map(String::as_str));
            assert_eq!(index.similar(name), expected, "{name}");
        }
    }

    /// The same over random names of few letters, where many are close to each other.
    #[test]
    fn the_index_finds_what_the_scan_finds_among_random_names() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut random_name = || {
            let letters = ['a', 'b', 'c', 'A', '_', '1', 'é', 'É'];
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let length = (next() % 10) as usize;
            (0..length)
                .map(|_| letters[(next() % letters.len() as u64) as usize])
                .collect::<String>()
        };
        let candidates: Vec<String> = (0..400).map(|_| random_name()).collect();
        let mut index = Names::new(candidates.iter().cloned());
        for _ in 0..Names::SCANNED {
            index.similar("warm-up");
        }
        for _ in 0..400 {
            let name = random_name();
            let expected = similar(&name, candidates.iter().map(String::as_str));
            assert_eq!(index.similar(&name), expected, "{name}");
        }
    }
}
