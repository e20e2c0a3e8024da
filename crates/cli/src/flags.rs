//! Option groups given as comma-separated `KEY[=VAL]` pairs (`-O`, `-W`,
//! `-C`, `-D`, `-S`), each declared once with [`option_group!`]. The
//! declaration is the single source of truth for a group: it gives the
//! struct holding the values, the parser, the merge of repeated flags, the
//! `help` / `help-long` listings and the keys the reference CLI has that
//! this runtime refuses.

use anyhow::{anyhow, bail, Context as _, Result};
use std::fmt::Write as _;
use std::time::Duration;

/// A value an option accepts: its syntax as shown by `help` and its parser.
pub trait OptValue: Sized {
    /// The value syntax after the key, as in `[=y|n]` or `=N`.
    const SYNTAX: &'static str;
    /// Parses the text after `=` (`None` when the key was given alone).
    fn parse(value: Option<&str>) -> Result<Self>;
}

fn required(value: Option<&str>) -> Result<&str> {
    value.ok_or_else(|| anyhow!("a value is required"))
}

impl OptValue for bool {
    const SYNTAX: &'static str = "[=y|n]";
    fn parse(value: Option<&str>) -> Result<bool> {
        match value {
            None | Some("y") | Some("yes") | Some("true") => Ok(true),
            Some("n") | Some("no") | Some("false") => Ok(false),
            Some(other) => {
                bail!("invalid boolean value `{other}`: expected y, yes, true, n, no or false")
            }
        }
    }
}

/// Parses a decimal or `0x` hexadecimal number; `_` separators allowed.
pub fn parse_u64(s: &str) -> Result<u64> {
    let s = s.replace('_', "");
    Ok(
        match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16)?,
            None => s.parse()?,
        },
    )
}

impl OptValue for u64 {
    const SYNTAX: &'static str = "=N";
    fn parse(value: Option<&str>) -> Result<u64> {
        parse_u64(required(value)?)
    }
}

impl OptValue for u32 {
    const SYNTAX: &'static str = "=N";
    fn parse(value: Option<&str>) -> Result<u32> {
        Ok(u32::try_from(u64::parse(value)?)?)
    }
}

impl OptValue for usize {
    const SYNTAX: &'static str = "=N";
    fn parse(value: Option<&str>) -> Result<usize> {
        Ok(usize::try_from(u64::parse(value)?)?)
    }
}

impl OptValue for String {
    const SYNTAX: &'static str = "=val";
    fn parse(value: Option<&str>) -> Result<String> {
        match required(value)? {
            "" => bail!("a value is required"),
            v => Ok(v.to_string()),
        }
    }
}

/// One `KEY[=VAL]` setting passed through a prefixed option such as
/// `-C cranelift-<KEY>[=val]`: the text after the prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The setting's name (after the option's prefix).
    pub name: String,
    /// Its value, `None` when given without `=`.
    pub value: Option<String>,
}

impl OptValue for Setting {
    const SYNTAX: &'static str = "[=val]";
    fn parse(value: Option<&str>) -> Result<Setting> {
        let text = required(value)?;
        let (name, value) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (text, None),
        };
        if name.is_empty() {
            bail!("a setting name is required");
        }
        Ok(Setting {
            name: name.to_string(),
            value,
        })
    }
}

/// A `NAME=VALUE` pair given as an option's value, as in
/// `-S config-var=NAME=VALUE`. Only the first `=` separates: the value may
/// contain more; without one the value is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValuePair {
    /// The text before the first `=`.
    pub key: String,
    /// The text after it (empty when there is none).
    pub value: String,
}

impl OptValue for KeyValuePair {
    const SYNTAX: &'static str = "=<name>=<val>";
    fn parse(value: Option<&str>) -> Result<KeyValuePair> {
        // The reference's wording for a missing value.
        let text = value.ok_or_else(|| anyhow!("value must be specified with `key=val` syntax"))?;
        let (key, value) = text.split_once('=').unwrap_or((text, ""));
        Ok(KeyValuePair {
            key: key.to_string(),
            value: value.to_string(),
        })
    }
}

impl OptValue for Duration {
    const SYNTAX: &'static str = "=N|Ns|Nms|..";
    fn parse(value: Option<&str>) -> Result<Duration> {
        parse_duration(required(value)?)
    }
}

/// Parses a duration as the reference CLI does: a number with a unit
/// (`ns`, `us`, `ms`, `s`, `m`, `h`), or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .with_context(|| format!("invalid duration `{s}`"))?;
    let secs = |mul: u64| {
        n.checked_mul(mul)
            .map(Duration::from_secs)
            .ok_or_else(|| anyhow!("duration `{s}` is too large"))
    };
    Ok(match unit {
        "" | "s" => Duration::from_secs(n),
        "ns" => Duration::from_nanos(n),
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "m" => secs(60)?,
        "h" => secs(3600)?,
        _ => bail!("invalid duration `{s}`: unknown unit `{unit}`"),
    })
}

/// A field of an option group: `Option<T>` (the last value given wins) or
/// `Vec<T>` (every value given, in order).
pub trait Slot {
    /// The type of one value.
    type Value: OptValue;
    /// Records one value.
    fn set(&mut self, value: Self::Value);
    /// Adds the values of a later flag.
    fn merge_from(&mut self, later: &Self);
}

impl<T: OptValue + Clone> Slot for Option<T> {
    type Value = T;
    fn set(&mut self, value: T) {
        *self = Some(value);
    }
    fn merge_from(&mut self, later: &Self) {
        if later.is_some() {
            self.clone_from(later);
        }
    }
}

impl<T: OptValue + Clone> Slot for Vec<T> {
    type Value = T;
    fn set(&mut self, value: T) {
        self.push(value);
    }
    fn merge_from(&mut self, later: &Self) {
        self.extend(later.iter().cloned());
    }
}

/// One key of a group, for `help`.
#[derive(Debug)]
pub struct OptionInfo {
    /// The key, as in `opt-level`.
    pub key: &'static str,
    /// The value syntax, as in `=0|1|2|s`.
    pub syntax: &'static str,
    /// The description, one doc-comment line per item; an empty item
    /// separates paragraphs. The first paragraph is the short description.
    pub doc: &'static [&'static str],
}

impl OptionInfo {
    fn short(&self) -> String {
        self.doc
            .iter()
            .map(|l| l.trim())
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A group of options (`-O`, `-W`, ...): everything `help` and the error
/// messages need.
#[derive(Debug)]
pub struct Group {
    /// The short flag, as in `O`.
    pub flag: char,
    /// The long flag, as in `optimize`.
    pub long: &'static str,
    /// The group's name in `help`, as in `optimize`.
    pub title: &'static str,
    /// The keys this runtime accepts.
    pub options: &'static [OptionInfo],
    /// Keys of the reference CLI this runtime refuses, with the reason. A
    /// key ending in `<KEY>` stands for every key with that prefix.
    pub unsupported: &'static [(&'static str, &'static str)],
}

impl Group {
    /// Splits one flag value into `(option key, value)` pairs, refusing
    /// keys this runtime does not support or does not know. An option whose
    /// key ends in `<KEY>` takes every key with that prefix; its value is
    /// the whole `KEY[=VAL]` text after the prefix.
    pub fn split<'a>(&self, s: &'a str) -> Result<Vec<(&'static str, Option<&'a str>)>> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part, None),
            };
            if let Some(option) = self.options.iter().find(|o| o.key == key) {
                out.push((option.key, value));
                continue;
            }
            // Exact keys win over prefixes (`cranelift-debug-verifier` is
            // not the Cranelift setting `debug-verifier`).
            let prefixed = self.options.iter().find_map(|o| {
                let prefix = o.key.strip_suffix("<KEY>")?;
                (key.starts_with(prefix) && key.len() > prefix.len())
                    .then(|| (o.key, &part[prefix.len()..]))
            });
            let Some((option, rest)) = prefixed else {
                let flag = self.flag;
                if let Some((_, reason)) = self.unsupported_entry(key) {
                    bail!("-{flag} option `{key}` is not supported by this runtime: {reason}");
                }
                bail!(
                    "unknown -{flag} / --{} option: `{key}` (pass `-{flag} help` to list the options)",
                    self.long
                );
            };
            out.push((option, Some(rest)));
        }
        Ok(out)
    }

    fn unsupported_entry(&self, key: &str) -> Option<&(&'static str, &'static str)> {
        self.unsupported
            .iter()
            .find(|(k, _)| match k.strip_suffix("<KEY>") {
                Some(prefix) => key.starts_with(prefix) && key.len() > prefix.len(),
                None => *k == key,
            })
    }

    /// The context of an error in one `KEY=VAL` pair.
    pub fn value_error(&self, key: &str, value: Option<&str>) -> String {
        match value {
            Some(v) => format!("failed to parse -{} option `{key}={v}`", self.flag),
            None => format!("failed to parse -{} option `{key}`", self.flag),
        }
    }

    /// The `-X help` text: one line per key, then the refused keys.
    pub fn help(&self) -> String {
        let f = self.flag;
        let mut out = format!("Available {} options:\n\n", self.title);
        let names: Vec<String> = self
            .options
            .iter()
            .map(|o| format!("{}{}", o.key, o.syntax))
            .collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        for (o, name) in self.options.iter().zip(&names) {
            let _ = writeln!(out, "  -{f} {name:>width$} -- {}", o.short());
        }
        if self.options.is_empty() {
            out.push_str("  (none)\n");
        }
        if !self.unsupported.is_empty() {
            let keys: Vec<&str> = self.unsupported.iter().map(|(k, _)| *k).collect();
            let _ = write!(
                out,
                "\nNot supported by this runtime (given, they are an error):\n{}",
                wrap(&keys.join(", "), "  ", 78)
            );
        }
        let _ = write!(
            out,
            "\npass `-{f} help-long` to see longer-form explanations\n"
        );
        out
    }

    /// The `-X help-long` text: each key with its whole description, then
    /// the refused keys with the reason.
    pub fn help_long(&self) -> String {
        let f = self.flag;
        let mut out = format!("Available {} options:\n\n", self.title);
        for o in self.options {
            let _ = writeln!(out, "  -{f} {}{} --\n", o.key, o.syntax);
            for line in o.doc {
                let line = line.trim();
                if line.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "        {line}");
                }
            }
        }
        if !self.unsupported.is_empty() {
            out.push_str("\nNot supported by this runtime (given, they are an error):\n\n");
            for (key, reason) in self.unsupported {
                let _ = writeln!(out, "  -{f} {key} --\n\n        {reason}");
            }
        }
        out
    }

    /// For clap's value parser: `help` and `help-long` print the listing
    /// and exit with 0, as in the reference CLI.
    pub fn exit_if_help(&self, s: &str) {
        let text = match s.trim() {
            "help" => self.help(),
            "help-long" => self.help_long(),
            _ => return,
        };
        print!("{text}");
        std::process::exit(0);
    }
}

/// Word-wraps `text` to `width` columns, each line starting with `indent`.
fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split(' ') {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// Declares an option group: a struct with one field per key (documented
/// by its doc comment, which is also its `help` text), its parser, merge
/// and `help`, and the reference keys it refuses.
///
/// ```ignore
/// option_group! {
///     /// `-O` settings.
///     pub struct OptimizeOptions { flag: 'O', long: "optimize", title: "optimize",
///         /// Optimization level.
///         "opt-level" => opt_level: Option<OptLevelArg>,
///     }
///     unsupported { "regalloc-algorithm" => "reason", }
/// }
/// ```
macro_rules! option_group {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            flag: $flag:literal, long: $long:literal, title: $title:literal,
            $(
                $(#[doc = $doc:literal])*
                $key:literal => $field:ident : $ty:ty,
            )*
        }
        unsupported {
            $( $($ukey:literal),+ => $reason:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl $name {
            /// The group's keys, syntax and descriptions.
            pub const GROUP: $crate::flags::Group = $crate::flags::Group {
                flag: $flag,
                long: $long,
                title: $title,
                options: &[
                    $( $crate::flags::OptionInfo {
                        key: $key,
                        syntax: <<$ty as $crate::flags::Slot>::Value as $crate::flags::OptValue>::SYNTAX,
                        doc: &[$($doc),*],
                    }, )*
                ],
                unsupported: &[ $( $( ($ukey, $reason), )+ )* ],
            };

            /// Parses one flag value (comma-separated `KEY[=VAL]` pairs).
            #[allow(unused_mut, unused_variables, unused_imports, clippy::match_single_binding)]
            pub fn parse(s: &str) -> anyhow::Result<Self> {
                use anyhow::Context as _;
                let mut out = Self::default();
                for (key, value) in Self::GROUP.split(s)? {
                    match key {
                        $( $key => $crate::flags::Slot::set(
                            &mut out.$field,
                            <<$ty as $crate::flags::Slot>::Value as $crate::flags::OptValue>::parse(value)
                                .with_context(|| Self::GROUP.value_error(key, value))?,
                        ), )*
                        _ => unreachable!("`Group::split` checked the key"),
                    }
                }
                Ok(out)
            }

            /// Adds the values of a later flag (later values win).
            #[allow(unused_variables, dead_code)]
            pub fn merge(&mut self, later: &Self) {
                $( $crate::flags::Slot::merge_from(&mut self.$field, &later.$field); )*
            }

            /// clap's value parser: `help`/`help-long` print and exit.
            #[allow(dead_code)]
            pub fn clap_parse(s: &str) -> Result<Self, String> {
                Self::GROUP.exit_if_help(s);
                Self::parse(s).map_err(|e| format!("{e:#}"))
            }
        }
    };
}
pub(crate) use option_group;

#[cfg(test)]
mod tests {
    use super::*;

    option_group! {
        /// A test group.
        pub struct TestOptions {
            flag: 'T', long: "test", title: "test",
            /// A flag.
            ///
            /// More text.
            "flag" => flag: Option<bool>,
            /// A size.
            "size" => size: Option<u64>,
            /// A list.
            "item" => items: Vec<String>,
            /// An exact key sharing the prefix below.
            "set-exact" => set_exact: Option<bool>,
            /// Any `set-<KEY>[=val]`.
            "set-<KEY>" => settings: Vec<Setting>,
        }
        unsupported {
            "nope", "nah" => "never",
            "raw-<KEY>" => "raw keys are refused",
        }
    }

    #[test]
    fn prefixed_keys() {
        let t = TestOptions::parse("set-a=1,set-b,set-exact,set-c=x=y").unwrap();
        assert_eq!(t.set_exact, Some(true));
        let names: Vec<_> = t
            .settings
            .iter()
            .map(|s| (s.name.as_str(), s.value.as_deref()))
            .collect();
        assert_eq!(names, [("a", Some("1")), ("b", None), ("c", Some("x=y"))]);
        // The bare prefix is not a key.
        assert!(TestOptions::parse("set-").is_err());
        assert!(TestOptions::parse("set-=1").is_err());
    }

    #[test]
    fn parses_and_merges() {
        let a = TestOptions::parse("flag,size=0x10,item=a").unwrap();
        assert_eq!(a.flag, Some(true));
        assert_eq!(a.size, Some(16));
        let b = TestOptions::parse("flag=n,item=b, size=1_000").unwrap();
        let mut m = a.clone();
        m.merge(&b);
        assert_eq!(m.flag, Some(false));
        assert_eq!(m.size, Some(1000));
        assert_eq!(m.items, vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn refuses_bad_input() {
        let e = format!("{:#}", TestOptions::parse("nah=1").unwrap_err());
        assert!(
            e.contains("`nah` is not supported") && e.contains("never"),
            "{e}"
        );
        let e = format!("{:#}", TestOptions::parse("raw-x").unwrap_err());
        assert!(e.contains("raw keys are refused"), "{e}");
        let e = format!("{:#}", TestOptions::parse("raw-").unwrap_err());
        assert!(e.contains("unknown -T"), "{e}");
        let e = format!("{:#}", TestOptions::parse("bogus").unwrap_err());
        assert!(e.contains("unknown -T / --test option: `bogus`"), "{e}");
        let e = format!("{:#}", TestOptions::parse("size").unwrap_err());
        assert!(e.contains("`size`") && e.contains("required"), "{e}");
        let e = format!("{:#}", TestOptions::parse("flag=maybe").unwrap_err());
        assert!(e.contains("`flag=maybe`"), "{e}");
        assert!(TestOptions::parse("size=-1").is_err());
        assert!(TestOptions::parse("item=").is_err());
        // `help` is only special to clap's parser (which exits).
        assert!(TestOptions::parse("help").is_err());
    }

    #[test]
    fn help_lists_every_key() {
        let h = TestOptions::GROUP.help();
        assert!(h.starts_with("Available test options:\n\n"), "{h}");
        // Keys are right-aligned to the longest one.
        for line in [
            "  -T      flag[=y|n] -- A flag.",
            "  -T          size=N -- A size.",
            "  -T        item=val -- A list.",
            "  -T set-<KEY>[=val] -- Any `set-<KEY>[=val]`.",
        ] {
            assert!(h.lines().any(|l| l == line), "{line:?} in {h}");
        }
        assert!(h.contains("nope, nah, raw-<KEY>"), "{h}");
        let l = TestOptions::GROUP.help_long();
        assert!(
            l.contains("  -T flag[=y|n] --\n\n        A flag.\n\n        More text.\n"),
            "{l}"
        );
        assert!(l.contains("  -T nah --\n\n        never\n"), "{l}");
    }

    #[test]
    fn key_value_pairs() {
        let pair = |k: &str, v: &str| KeyValuePair {
            key: k.to_string(),
            value: v.to_string(),
        };
        assert_eq!(
            KeyValuePair::parse(Some("a=b=c")).unwrap(),
            pair("a", "b=c")
        );
        assert_eq!(KeyValuePair::parse(Some("a")).unwrap(), pair("a", ""));
        assert_eq!(KeyValuePair::parse(Some("=v")).unwrap(), pair("", "v"));
        let e = KeyValuePair::parse(None).unwrap_err().to_string();
        assert_eq!(e, "value must be specified with `key=val` syntax");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("1x").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
        assert!(parse_duration(&format!("{}h", u64::MAX)).is_err());
    }
}
