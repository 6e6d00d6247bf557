// Files as platforms carry them, from the manifest: which actions take a file (their input has
// `fileBase64`, beside `fileName`) and which return one (their output's `data` has
// `contentBase64`, with `fileName` and `contentType`). Each platform turns its own file form
// into that input and that output into its own file form; the raw actions keep base64.
// Kept apart from any platform's SDK.

/** Whether `entry` takes a file: its input has `fileBase64`. */
export const takesFile = (entry) => Object.hasOwn(entry.inputSchema?.properties ?? {}, 'fileBase64') && !/RawRequest$/.test(entry.key);

/** Whether `entry` returns a file: its output's `data` has `contentBase64`. */
export const returnsFile = (entry) => Boolean(entry.outputSchema?.properties?.data?.properties?.contentBase64);

/**
 * The inputs that send `bytes` (a Buffer) as the file, named `fileName` unless the step names
 * it, with the platform's content type where the action takes one. Any other way of giving the
 * file (text, base64, a URL) is left out, so the component never sees two.
 */
export function fileInputs(entry, input, { bytes, fileName, contentType }) {
  const properties = entry.inputSchema.properties;
  const { file: _text, fileBase64: _base64, attachmentUrl: _url, ...rest } = input;
  const sent = { ...rest, fileBase64: Buffer.from(bytes).toString('base64') };
  if (sent.fileName === undefined && fileName) sent.fileName = fileName;
  if (Object.hasOwn(properties, 'contentType') && sent.contentType === undefined && contentType) sent.contentType = contentType;
  return sent;
}

/** The file an output carries: its name, content type and bytes. */
export function fileOf(output) {
  const data = output?.data;
  if (!data || typeof data.contentBase64 !== 'string') return undefined;
  return {
    fileName: data.fileName ?? 'file',
    contentType: data.contentType ?? 'application/octet-stream',
    bytes: Buffer.from(data.contentBase64, 'base64'),
  };
}
