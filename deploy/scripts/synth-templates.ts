// npm run synth: regenerate deploy/templates/*.json (commit the result; a test checks it is fresh).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TEMPLATES_DIR, synthTemplates, templateText } from '../lib/templates.js';

mkdirSync(TEMPLATES_DIR, { recursive: true });
for (const [file, template] of Object.entries(synthTemplates())) {
  writeFileSync(path.join(TEMPLATES_DIR, file), templateText(template));
  process.stdout.write(`wrote templates/${file}\n`);
}
