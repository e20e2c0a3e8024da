//! Rust names for WIT names: `snake_case` for modules, functions and
//! fields, `UpperCamelCase` for types and cases, with Rust keywords
//! escaped by a trailing `_`.

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield",
];

fn escape(s: String) -> String {
    if KEYWORDS.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

/// `kebab-name` as `kebab_name` (keywords escaped).
pub fn snake(name: &str) -> String {
    escape(name.replace('-', "_").to_lowercase())
}

/// A module name for a WIT name.
pub fn module_name(name: &str) -> String {
    snake(name)
}

/// `kebab-name` as `KebabName` (keywords escaped).
pub fn upper_camel(name: &str) -> String {
    let mut out = String::new();
    for part in name.split('-') {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(&chars.as_str().to_lowercase());
        }
    }
    escape(out)
}

/// `kebab-name` as `KEBAB_NAME` (for flags constants).
pub fn shouty(name: &str) -> String {
    name.replace('-', "_").to_uppercase()
}
