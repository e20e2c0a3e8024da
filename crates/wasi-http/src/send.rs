//! Sending an outgoing request: TCP from Tokio, TLS from rustls with the
//! webpki roots, HTTP/1.1 from hyper.

use crate::p2::bindings::http::types::{DnsErrorPayload, ErrorCode};
use crate::p2::body::HyperOutgoingBody;
use crate::p2::types::IncomingResponse;
use crate::RequestOptions;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Used when the guest sets no connect or first-byte timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

fn dns_error(rcode: &str, info_code: u16) -> ErrorCode {
    ErrorCode::DnsError(DnsErrorPayload {
        rcode: Some(rcode.to_string()),
        info_code: Some(info_code),
    })
}

static TLS_CONFIG: LazyLock<Arc<rustls::ClientConfig>> = LazyLock::new(|| {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // `ring` rather than the process-wide default provider, so that no
    // other crate's choice of provider can make this panic.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
});

/// Connects to `host:port`: resolves the name, then tries each address.
async fn connect(host: &str, port: u16) -> Result<TcpStream, ErrorCode> {
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| dns_error("address not available", 0))?
        .collect();
    if addrs.is_empty() {
        return Err(dns_error("address not available", 0));
    }
    let mut last = ErrorCode::ConnectionRefused;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = ErrorCode::ConnectionRefused
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = ErrorCode::ConnectionTimeout
            }
            Err(_) => last = ErrorCode::DestinationUnavailable,
        }
    }
    Err(last)
}

/// Sends `request` (whose URI is absolute: scheme, authority, path) and
/// waits for the response head, within the timeouts of `options`.
pub async fn default_send_request(
    mut request: http::Request<HyperOutgoingBody>,
    options: RequestOptions,
) -> Result<IncomingResponse, ErrorCode> {
    let uri = request.uri().clone();
    let tls = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
    let authority = uri.authority().ok_or(ErrorCode::HttpRequestUriInvalid)?;
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let connect_timeout = options.connect_timeout.unwrap_or(DEFAULT_TIMEOUT);
    let first_byte_timeout = options.first_byte_timeout.unwrap_or(DEFAULT_TIMEOUT);

    // HTTP/1.1 sends the path only; the authority is in the `host` header.
    *request.uri_mut() = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .parse()
        .map_err(|_| ErrorCode::HttpRequestUriInvalid)?;

    let connecting = async {
        let tcp = connect(host, port).await?;
        let _ = tcp.set_nodelay(true);
        if tls {
            let name = rustls::pki_types::ServerName::try_from(host.to_string())
                .map_err(|_| dns_error("invalid dns name", 0))?;
            let connector = tokio_rustls::TlsConnector::from(TLS_CONFIG.clone());
            let stream = connector
                .connect(name, tcp)
                .await
                .map_err(|_| ErrorCode::TlsProtocolError)?;
            handshake(TokioIo::new(stream)).await
        } else {
            handshake(TokioIo::new(tcp)).await
        }
    };
    let mut sender = timeout(connect_timeout, connecting)
        .await
        .map_err(|_| ErrorCode::ConnectionTimeout)??;

    let resp = timeout(first_byte_timeout, sender.send_request(request))
        .await
        .map_err(|_| ErrorCode::ConnectionReadTimeout)?
        .map_err(|e| crate::hyper_error_code(&e))?;
    let resp = resp.map(|body| body.map_err(|e| crate::hyper_error_code(&e)).boxed_unsync());
    Ok(IncomingResponse {
        resp,
        between_bytes_timeout: options.between_bytes_timeout,
    })
}

async fn handshake<I>(
    io: I,
) -> Result<hyper::client::conn::http1::SendRequest<HyperOutgoingBody>, ErrorCode>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| crate::hyper_error_code(&e))?;
    // The connection runs until the response body is read or dropped.
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}
