//! A strict multipart/form-data parser (RFC 7578), so the fake sees uploads exactly as sent.
//! Hand-written: the fake needs the whole body in memory anyway, and the async parsers would
//! add a stream runtime to a synchronous handler.

/// One part as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (key, value) = p.trim().split_once('=')?;
        key.eq_ignore_ascii_case("boundary")
            .then(|| value.trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Reads a quoted parameter (`name="..."`) from a Content-Disposition value.
fn parameter(disposition: &str, key: &str) -> Option<String> {
    let marker = format!("{key}=\"");
    let mut search = disposition;
    loop {
        let start = search.find(&marker)?;
        // Skip `filename=` when looking for `name=`.
        let preceded_ok = start == 0 || matches!(search.as_bytes()[start - 1], b' ' | b';');
        let rest = &search[start + marker.len()..];
        if preceded_ok {
            let end = rest.find('"')?;
            return Some(rest[..end].to_owned());
        }
        search = rest;
    }
}

/// Parses a whole body. Every part must have a `form-data` disposition with a name.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<FormPart>, String> {
    let boundary = boundary(content_type).ok_or("no multipart/form-data boundary in the content type")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut position = find(body, &delimiter, 0).ok_or("the body does not start with the boundary")?;
    let mut parts = Vec::new();
    loop {
        position += delimiter.len();
        if body.get(position..position + 2) == Some(b"--") {
            return Ok(parts);
        }
        if body.get(position..position + 2) != Some(b"\r\n") {
            return Err("a boundary is not followed by CRLF".into());
        }
        position += 2;
        let headers_end = find(body, b"\r\n\r\n", position).ok_or("a part has no end of headers")?;
        let headers = String::from_utf8_lossy(&body[position..headers_end]).into_owned();
        let data_start = headers_end + 4;
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let data_end = find(body, &closing, data_start).ok_or("a part is not closed by the boundary")?;
        let mut name = None;
        let mut file_name = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                return Err(format!("malformed part header {line:?}"));
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    if !value.trim().starts_with("form-data") {
                        return Err("a part's disposition is not form-data".into());
                    }
                    name = parameter(value, "name");
                    file_name = parameter(value, "filename");
                }
                "content-type" => content_type = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        let name = name.ok_or("a part has no name")?;
        parts.push(FormPart {
            name,
            file_name,
            content_type,
            data: body[data_start..data_end].to_vec(),
        });
        position = data_end + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_files() {
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\xff\r\n\r\n--xyz--\r\n";
        let parts = parse("multipart/form-data; boundary=xyz", body).expect("parses");
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data.as_slice()),
            ("note", &b"hello"[..])
        );
        assert_eq!(parts[1].file_name.as_deref(), Some("a.bin"));
        assert_eq!(parts[1].data, b"\x00\xff\r\n");
    }

    #[test]
    fn rejects_broken_bodies() {
        assert!(
            parse(
                "multipart/form-data; boundary=xyz",
                b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"
            )
            .is_err()
        );
        assert!(parse("application/json", b"{}").is_err());
    }
}
