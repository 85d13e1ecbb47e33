//! The built-in functions of the language, as the checker resolved them.

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `lower(s)`
    Lower,
    /// `upper(s)`
    Upper,
    /// `trim(s)`
    Trim,
    /// `length(s)`: characters.
    Length,
    /// `starts_with(s, prefix)`
    StartsWith,
    /// `ends_with(s, suffix)`
    EndsWith,
    /// `contains(s, part)`
    Contains,
    /// `matches(s, regex)`
    Matches,
    /// `year(d)`
    Year,
    /// `month(d)`
    Month,
    /// `day(d)`
    Day,
    /// `date(ts)`: the date of a timestamp.
    Date,
    /// `days_between(a, b)`: whole days from a to b.
    DaysBetween,
    /// `months_between(a, b)`: whole months from a to b.
    MonthsBetween,
    /// `years_between(a, b)`: whole years from a to b (an age).
    YearsBetween,
    /// `abs(x)`
    Abs,
    /// `round(x[, digits])`
    Round,
    /// `floor(x)`
    Floor,
    /// `ceil(x)`
    Ceil,
    /// `coalesce(a, b, ...)`: the first non-null.
    Coalesce,
    /// `size(list)`: the number of items.
    Size,
    /// `contains(list, item)`: whether the list holds the item.
    ListContains,
    /// `contains_any(list, [a, b])`: whether the list holds one of the items (the items follow
    /// the list among the arguments).
    ListContainsAny,
    /// `contains_all(list, [a, b])`: whether the list holds every item.
    ListContainsAll,
    /// `concat(a, b, ...)`: texts (numbers and dates as `to_text` writes them) joined, nulls
    /// skipped.
    Concat,
    /// `to_text(x)`: a value as text.
    ToText,
    /// `lpad(s, n[, fill])`: `s` padded on the left with `fill` (a space) to `n` characters.
    Lpad,
    /// `left(s, n)`: the first `n` characters.
    Left,
    /// `substring(s, start[, length])`: characters from `start` (from 1).
    Substring,
}
