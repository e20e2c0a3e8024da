//! Turning the modules of a script (text, binary or quoted) into wasm
//! bytes.

use anyhow::anyhow;
use wast::core::Module as WastModule;
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, QuoteWatTest, Wat};

/// Errors from encoding a module in a script.
pub(crate) enum EncodeError {
    /// The text (or quoted text) could not be parsed or resolved: the module
    /// is malformed, which some directives expect.
    Text(anyhow::Error),
    /// Something this runner does not support (components); always a
    /// failure.
    Unsupported(anyhow::Error),
}

/// Encodes a module of the script to binary.
pub(crate) fn encode(module: &mut QuoteWat<'_>) -> std::result::Result<Vec<u8>, EncodeError> {
    match module {
        QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..) => {
            return Err(EncodeError::Unsupported(anyhow!(
                "components are not supported"
            )))
        }
        QuoteWat::Wat(Wat::Module(m)) => return encode_module(m),
        QuoteWat::QuoteModule(..) => {}
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
        Wat::Component(_) => Err(EncodeError::Unsupported(anyhow!(
            "components are not supported"
        ))),
    }
}

fn encode_module(m: &mut WastModule<'_>) -> std::result::Result<Vec<u8>, EncodeError> {
    m.encode().map_err(|e| EncodeError::Text(e.into()))
}
