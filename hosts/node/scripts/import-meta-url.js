// What `import.meta.url` becomes in a CommonJS bundle (scripts/bundle.js): the bundle's own URL.
// An ES module, so a bundle whose code never reads it leaves it out.
import { pathToFileURL } from 'node:url';

export const __zohoImportMetaUrl = pathToFileURL(__filename).href;
