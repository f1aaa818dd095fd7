import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventCatalogue } from '../../src/events/catalogue.js';
import { renderEventDocs } from '../../src/events/catalogueDocs.js';
import { PUBLISHED_EVENT_TYPES } from '../../src/events/published.js';

const root = join(import.meta.dirname, '..', '..');

describe('published event catalogue (docs/events.md and docs/events/*.json)', () => {
  const rendered = renderEventDocs();

  it('is committed as the zod schemas render it: run `npm run docs:events` after changing an event', () => {
    const stale = [...rendered].filter(([path, content]) => !existsSync(join(root, path)) || readFileSync(join(root, path), 'utf8') !== content);
    expect(stale.map(([path]) => path), 'stale or missing; run `npm run docs:events`').toEqual([]);
    const committed = readdirSync(join(root, 'docs', 'events')).map((name) => `docs/events/${name}`);
    expect(committed.filter((path) => !rendered.has(path)), 'left over from a removed event; delete them').toEqual([]);
  });

  it('documents every version of every published type, and no internal type', () => {
    const markdown = rendered.get('docs/events.md')!;
    for (const type of PUBLISHED_EVENT_TYPES) {
      for (let v = 1; v <= eventCatalogue[type]!.version; v += 1) expect(rendered.has(`docs/events/${type}.v${v}.json`)).toBe(true);
      expect(markdown).toContain(`### ${type}\n`);
    }
    expect(rendered.has('docs/events/UserPasswordSet.v1.json')).toBe(false);
    expect(markdown).not.toContain('### UserPasswordSet');
    expect(markdown).toMatch(/## Internal events[\s\S]*`UserPasswordSet`/);
    const config = JSON.parse(rendered.get('docs/events/PlatformConfigUpdated.v1.json')!) as { properties: { config: { properties: object } } };
    expect(Object.keys(config.properties.config.properties)).not.toContain('social_tokens');
  });
});
