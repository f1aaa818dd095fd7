import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderEventDocs } from '../events/catalogueDocs.js';

/** `npm run docs:events`: writes docs/events.md and docs/events/*.json from the zod schemas. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const [path, content] of renderEventDocs()) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
console.log('wrote docs/events.md and docs/events/*.json');
