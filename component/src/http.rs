//! The one module that performs HTTP, over wasi:http 0.2. It sends a complete
//! `http::Request` and reads the complete response (or hands its body out piece by piece),
//! mapping every failure to a [`TransportError`] without panicking.

use std::time::Duration;

use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, IncomingBody, IncomingResponse, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasi::io::streams::{InputStream, StreamError};

use crate::shared::error::{TransportError, TransportKind};
use crate::shared::host::BodyStream;

/// Largest response body read into memory (the host may enforce a lower cap of its own). Zoho's
/// largest pages are a few MiB; this leaves room in a 64 MiB instance to parse what is read.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// What one read of a body of unknown length asks for.
const READ_CHUNK: usize = 64 * 1024;
/// `blocking_write_and_flush` accepts at most 4096 bytes per call.
const WRITE_CHUNK: usize = 4096;

fn failure(kind: TransportKind, message: impl Into<String>) -> TransportError {
    TransportError {
        kind,
        message: message.into(),
    }
}

/// Sends `request` (absolute URI) and returns the whole response.
pub fn send(request: http::Request<Vec<u8>>, timeout: Duration) -> Result<http::Response<Vec<u8>>, TransportError> {
    let (builder, declared_length, incoming) = exchange(request, timeout)?;
    let too_large = || {
        failure(
            TransportKind::Protocol,
            format!(
                "the response body exceeds {} MiB or the memory left to this call; ask for fewer \
                 records per page (perPage) or fewer fields",
                MAX_RESPONSE_BYTES >> 20
            ),
        )
    };
    // Sized once from Content-Length: no copies while growing, and a body that cannot fit is
    // refused before it is read rather than aborting halfway.
    let mut bytes = match declared_length {
        Some(len) if len > MAX_RESPONSE_BYTES => return Err(too_large()),
        Some(len) => crate::shared::memory::buffer_for(len).ok_or_else(too_large)?,
        None => Vec::new(),
    };
    let incoming_body = incoming
        .consume()
        .map_err(|()| failure(TransportKind::Protocol, "the response body was already taken"))?;
    {
        let stream = incoming_body
            .stream()
            .map_err(|()| failure(TransportKind::Protocol, "the response body stream was already taken"))?;
        loop {
            // Every read is a call into the host: ask for all that is left of a declared body at
            // once, and stop when it is in rather than reading again to see the stream close.
            let wanted = match declared_length {
                Some(len) if bytes.len() >= len => break,
                Some(len) => len - bytes.len(),
                None => READ_CHUNK,
            };
            match stream.blocking_read(u64::try_from(wanted).unwrap_or(u64::MAX)) {
                Ok(chunk) => {
                    bytes.try_reserve(chunk.len()).map_err(|_| too_large())?;
                    bytes.extend_from_slice(&chunk);
                }
                Err(StreamError::Closed) => break,
                Err(e) => {
                    return Err(failure(
                        TransportKind::Connection,
                        format!("reading the response body failed: {}", stream_error(e)),
                    ));
                }
            }
            if bytes.len() > MAX_RESPONSE_BYTES {
                return Err(too_large());
            }
        }
    }
    // Dropped, not finished: the trailers (which Zoho never sends) would cost two more calls.
    drop(incoming_body);
    builder.body(bytes).map_err(|e| {
        failure(
            TransportKind::Protocol,
            format!("the response could not be represented: {e}"),
        )
    })
}

/// Sends `request` and waits for the response head: the builder with status and headers, the
/// declared `Content-Length`, and the response whose body is still to be read.
fn exchange(
    request: http::Request<Vec<u8>>,
    timeout: Duration,
) -> Result<(http::response::Builder, Option<usize>, IncomingResponse), TransportError> {
    let (parts, body) = request.into_parts();
    let headers: Vec<(String, Vec<u8>)> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .chain(
            // wasi:http sends exactly the headers given; a body needs its length declared.
            (!body.is_empty() && !parts.headers.contains_key(http::header::CONTENT_LENGTH))
                .then(|| ("content-length".to_owned(), body.len().to_string().into_bytes())),
        )
        .collect();
    let fields = Fields::from_list(&headers).map_err(|e| {
        failure(
            TransportKind::Protocol,
            format!("the host refused a request header: {e:?}"),
        )
    })?;
    let outgoing = OutgoingRequest::new(fields);

    let method = match parts.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        "HEAD" => Method::Head,
        other => Method::Other(other.to_owned()),
    };
    let scheme = match parts.uri.scheme_str() {
        Some("http") => Scheme::Http,
        _ => Scheme::Https,
    };
    let authority = parts.uri.authority().map(|a| a.as_str().to_owned());
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let rejected = |what: &str| failure(TransportKind::Protocol, format!("the host refused the request {what}"));
    // GET is a new request's method already: one call fewer for every read.
    if !matches!(method, Method::Get) {
        outgoing.set_method(&method).map_err(|()| rejected("method"))?;
    }
    outgoing.set_scheme(Some(&scheme)).map_err(|()| rejected("scheme"))?;
    outgoing
        .set_authority(authority.as_deref())
        .map_err(|()| rejected("authority"))?;
    outgoing
        .set_path_with_query(Some(&path_and_query))
        .map_err(|()| rejected("path"))?;

    let options = RequestOptions::new();
    let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
    // A host may refuse to honour timeouts; it then applies its own, so the result is ignored.
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));

    // A request without a body takes none, so the host has no body channel to drive for it.
    // A body must be taken before the request is handed over.
    let outgoing_body = match body.is_empty() {
        true => None,
        false => Some(outgoing.body().map_err(|()| rejected("body"))?),
    };
    let pending = outgoing_handler::handle(outgoing, Some(options)).map_err(error_code)?;
    // If the host refuses the request (e.g. denied by its allowlist), writing the body fails
    // too; the response future then carries the real reason, so it is consulted first.
    let sent = outgoing_body.map(|outgoing_body| write_body(outgoing_body, &body));

    // Waits first, then takes the answer: asking before waiting is a call that (but for a
    // response faster than the call itself) only says "not yet".
    let incoming = loop {
        pending.subscribe().block();
        match pending.get() {
            Some(Ok(Ok(response))) => break response,
            Some(Ok(Err(code))) => return Err(error_code(code)),
            Some(Err(())) => return Err(failure(TransportKind::Protocol, "the response was already taken")),
            None => {}
        }
    };
    // A response can arrive even when the body could not be sent in full (a server answering
    // early, e.g. 413); it says more than the write error, so it wins.
    drop(sent);

    let mut builder = http::Response::builder().status(incoming.status());
    let mut declared_length = None;
    for (name, value) in incoming.headers().entries() {
        if name.eq_ignore_ascii_case("content-length") {
            declared_length = std::str::from_utf8(&value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok());
        }
        builder = builder.header(name, value);
    }
    Ok((builder, declared_length, incoming))
}

/// Sends `request` and returns the response with its body still to be read, piece by piece:
/// for downloads too large to hold, which are decoded as they arrive.
pub fn open(
    request: http::Request<Vec<u8>>,
    timeout: Duration,
) -> Result<http::Response<Box<dyn BodyStream>>, TransportError> {
    let (builder, _, incoming) = exchange(request, timeout)?;
    let body = incoming
        .consume()
        .map_err(|()| failure(TransportKind::Protocol, "the response body was already taken"))?;
    let stream = body
        .stream()
        .map_err(|()| failure(TransportKind::Protocol, "the response body stream was already taken"))?;
    let streamed: Box<dyn BodyStream> = Box::new(WasiBody {
        stream: Some(stream),
        body: Some(body),
        _response: incoming,
    });
    builder.body(streamed).map_err(|e| {
        failure(
            TransportKind::Protocol,
            format!("the response could not be represented: {e}"),
        )
    })
}

/// A response body being read. Fields drop in order: the stream before the body it belongs
/// to, the body before its response.
struct WasiBody {
    stream: Option<InputStream>,
    body: Option<IncomingBody>,
    _response: IncomingResponse,
}

impl BodyStream for WasiBody {
    fn next_piece(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        let Some(stream) = &self.stream else {
            return Ok(None);
        };
        match stream.blocking_read(READ_CHUNK as u64) {
            Ok(piece) => Ok(Some(piece)),
            Err(StreamError::Closed) => {
                self.stream = None;
                // Dropped, not finished, as in `send`: no trailers are wanted.
                drop(self.body.take());
                Ok(None)
            }
            Err(e) => Err(failure(
                TransportKind::Connection,
                format!("reading the response body failed: {}", stream_error(e)),
            )),
        }
    }
}

/// Streams the request body and finishes it (always, or the request never completes).
fn write_body(outgoing_body: OutgoingBody, body: &[u8]) -> Result<(), TransportError> {
    {
        let stream = outgoing_body
            .write()
            .map_err(|()| failure(TransportKind::Protocol, "the host refused the request body stream"))?;
        for chunk in body.chunks(WRITE_CHUNK) {
            stream.blocking_write_and_flush(chunk).map_err(|e| {
                failure(
                    TransportKind::Connection,
                    format!("sending the request body failed: {}", stream_error(e)),
                )
            })?;
        }
    }
    OutgoingBody::finish(outgoing_body, None).map_err(error_code)
}

fn stream_error(error: StreamError) -> String {
    match error {
        StreamError::Closed => "the stream closed".to_owned(),
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
    }
}

/// Maps wasi:http's error codes to the kinds a caller can act on.
fn error_code(code: ErrorCode) -> TransportError {
    let kind = match &code {
        ErrorCode::HttpRequestDenied => TransportKind::Denied,
        ErrorCode::ConnectionRefused => TransportKind::Refused,
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => TransportKind::Timeout,
        ErrorCode::DnsTimeout
        | ErrorCode::DnsError(_)
        | ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionTerminated
        | ErrorCode::ConnectionLimitReached
        | ErrorCode::TlsProtocolError
        | ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_) => TransportKind::Connection,
        _ => TransportKind::Protocol,
    };
    let message = match kind {
        TransportKind::Denied => {
            "the host denied the request: its destination is not allowed for this connection".to_owned()
        }
        _ => format!("{code:?}"),
    };
    failure(kind, message)
}
