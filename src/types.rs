//! The value types of the rule language, shared by the checker, the HIR and lowering.

use std::fmt;
use std::sync::Arc;

use crate::span::Span;

/// A value type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// 64-bit integer.
    Int,
    /// 64-bit float.
    Float,
    /// Fixed-point decimal.
    Decimal {
        /// Total digits, 1..=38.
        precision: u8,
        /// Digits after the point, 0..=precision.
        scale: i8,
    },
    /// UTF-8 text.
    String,
    /// `true` / `false`.
    Bool,
    /// Calendar date.
    Date,
    /// Date and time, without time zone.
    Timestamp,
    /// A length of time (the difference of two dates or timestamps, or a literal like `30 days`).
    Duration,
    /// Text restricted to declared values.
    Enum(Arc<EnumDef>),
    /// A list of values of one type (`list<string>`): tags, interests.
    List(Box<Type>),
    /// The type of the `null` literal, compatible with every type.
    Null,
    /// A value whose type could not be determined because of an earlier error; it is compatible
    /// with everything so that one mistake is reported once.
    Error,
}

/// The declared values of an enum column.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// Where the enum was declared (`source.column`).
    pub owner: String,
    /// Declared values, in declaration order (which is also their order for `<` and `>`).
    pub values: Vec<String>,
    /// The span of the type in the declaration.
    pub span: Span,
}

impl EnumDef {
    /// The position of `value` among the declared values.
    pub fn position(&self, value: &str) -> Option<usize> {
        self.values.iter().position(|v| v == value)
    }
}

impl Type {
    /// Whether the type is a number (int, float or decimal).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float | Type::Decimal { .. })
    }

    /// Whether the type is a date or a timestamp.
    pub fn is_temporal(&self) -> bool {
        matches!(self, Type::Date | Type::Timestamp)
    }

    /// Whether the type holds text (string or enum).
    pub fn is_textual(&self) -> bool {
        matches!(self, Type::String | Type::Enum(_))
    }

    /// The type of the items of a list, for a list.
    pub fn list_item(&self) -> Option<&Type> {
        match self {
            Type::List(item) => Some(item),
            _ => None,
        }
    }

    /// Whether the type is unknown because of an earlier error, or is the type of `null`.
    pub fn is_unconstrained(&self) -> bool {
        matches!(self, Type::Error | Type::Null)
    }

    /// The common type of two values that may stand in the same place (branches of `if`,
    /// arguments of `coalesce`, items of a list), or `None` if they cannot.
    pub fn unify(&self, other: &Type) -> Option<Type> {
        use Type::*;
        Some(match (self, other) {
            (Error, _) | (_, Error) => Error,
            (Null, t) | (t, Null) => t.clone(),
            (a, b) if a == b => a.clone(),
            (Int, Float) | (Float, Int) => Float,
            (Decimal { .. }, Float) | (Float, Decimal { .. }) => Float,
            (Int, d @ Decimal { .. }) | (d @ Decimal { .. }, Int) => d.clone(),
            (
                Decimal {
                    precision: p1,
                    scale: s1,
                },
                Decimal {
                    precision: p2,
                    scale: s2,
                },
            ) => {
                let scale = (*s1).max(*s2);
                let int_digits = (*p1 as i16 - *s1 as i16).max(*p2 as i16 - *s2 as i16);
                let precision = (int_digits + scale as i16).clamp(1, 38) as u8;
                Decimal { precision, scale }
            }
            (Enum(_), Enum(_)) | (Enum(_), String) | (String, Enum(_)) => String,
            (List(a), List(b)) => List(Box::new(a.unify(b)?)),
            (Date, Timestamp) | (Timestamp, Date) => Timestamp,
            _ => return None,
        })
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Decimal { precision, scale } => write!(f, "decimal({precision}, {scale})"),
            Type::String => f.write_str("string"),
            Type::Bool => f.write_str("bool"),
            Type::Date => f.write_str("date"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Duration => f.write_str("duration"),
            Type::Enum(def) => write!(f, "enum of {}", def.owner),
            Type::List(item) => write!(f, "list<{item}>"),
            Type::Null => f.write_str("null"),
            Type::Error => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unify_numbers_and_nulls() {
        assert_eq!(Type::Int.unify(&Type::Float), Some(Type::Float));
        assert_eq!(Type::Null.unify(&Type::Date), Some(Type::Date));
        assert_eq!(Type::String.unify(&Type::Int), None);
        let d = Type::Decimal {
            precision: 10,
            scale: 2,
        }
        .unify(&Type::Decimal {
            precision: 6,
            scale: 4,
        });
        assert_eq!(
            d,
            Some(Type::Decimal {
                precision: 12,
                scale: 4
            })
        );
    }
}
