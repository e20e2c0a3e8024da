//! Turning the modules and components of a script (text, binary or
//! quoted) into wasm bytes.

use anyhow::anyhow;
use wast::core::Module as WastModule;
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, QuoteWatTest, Wat};

/// Errors from encoding a module or component in a script.
pub(crate) enum EncodeError {
    /// The text (or quoted text) could not be parsed or resolved: the module
    /// is malformed, which some directives expect.
    Text(anyhow::Error),
}

/// Whether a module of the script is a component (`(component ...)`, also
/// quoted or binary).
pub(crate) fn is_component(module: &QuoteWat<'_>) -> bool {
    matches!(
        module,
        QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..)
    )
}

/// Encodes a module or component of the script to binary.
pub(crate) fn encode(module: &mut QuoteWat<'_>) -> std::result::Result<Vec<u8>, EncodeError> {
    match module {
        QuoteWat::Wat(Wat::Component(c)) => {
            return c.encode().map_err(|e| EncodeError::Text(e.into()))
        }
        QuoteWat::Wat(Wat::Module(m)) => return encode_module(m),
        QuoteWat::QuoteModule(..) | QuoteWat::QuoteComponent(..) => {}
    }
    let text = match module.to_test() {
        Ok(QuoteWatTest::Text(text)) => text,
        Ok(QuoteWatTest::Binary(bytes)) => return Ok(bytes),
        Err(err) => return Err(EncodeError::Text(err.into())),
    };
    let text = std::str::from_utf8(&text)
        .map_err(|_| EncodeError::Text(anyhow!("malformed UTF-8 encoding")))?;
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| EncodeError::Text(e.into()))?;
    let mut wat = parser::parse::<Wat<'_>>(&buf).map_err(|e| EncodeError::Text(e.into()))?;
    match &mut wat {
        Wat::Module(m) => encode_module(m),
        Wat::Component(c) => c.encode().map_err(|e| EncodeError::Text(e.into())),
    }
}

fn encode_module(m: &mut WastModule<'_>) -> std::result::Result<Vec<u8>, EncodeError> {
    m.encode().map_err(|e| EncodeError::Text(e.into()))
}
