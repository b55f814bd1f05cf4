//! Counted nouns in text people read: "1 rule", "2 rules", "1 of 1 container fails".

/// `n` followed by the noun in the number `n` takes: `count(1, "rule", "rules")` is `1 rule`,
/// `count(0, "rule", "rules")` is `0 rules`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", agree(n, one, many))
}

/// The form of a word (noun or verb) that agrees with `n`: `one` for exactly 1, else `many`.
pub fn agree<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(count(1, "rule", "rules"), "1 rule");
        assert_eq!(count(0, "rule", "rules"), "0 rules");
        assert_eq!(count(2, "container", "containers"), "2 containers");
        assert_eq!(agree(1, "fails", "fail"), "fails");
        assert_eq!(agree(3, "fails", "fail"), "fail");
    }
}
