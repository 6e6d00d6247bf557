// The component's `logging` import, answered by the running connector's `log` (if any).
import { current } from './current.js';

export function log(level, context, message) {
  current.handlers?.log?.(level, context, message);
}
