// Builds the web app into dist/ (what `synclog serve` serves at /app/): the app and its styles
// as content-hashed files under assets/ (cached for good), index.html naming them, the service
// worker with the list of files to keep offline, the manifest and the icon, and the client
// library on its own as lib/synclog-client.js (an ES module for other web apps).
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const common = { bundle: true, minify: true, sourcemap: false, target: 'es2022', logLevel: 'warning', legalComments: 'none' };
const app = await esbuild.build({
  ...common,
  entryPoints: { app: join(root, 'app/main.ts'), styles: join(root, 'app/styles.css') },
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  format: 'esm',
  metafile: true,
});
const assets = Object.keys(app.metafile.outputs).map((p) => `assets/${basename(p)}`);
const script = assets.find((a) => a.endsWith('.js'));
const styles = assets.find((a) => a.endsWith('.css'));

const iconSvg = readFileSync(join(root, 'app/icon.svg'));
const icon = `assets/icon-${createHash('sha256').update(iconSvg).digest('hex').slice(0, 8).toUpperCase()}.svg`;
writeFileSync(join(out, icon), iconSvg);

const html = readFileSync(join(root, 'app/index.html'), 'utf8')
  .replaceAll('%SCRIPT%', script).replaceAll('%STYLES%', styles).replaceAll('%ICON%', icon);
writeFileSync(join(out, 'index.html'), html);
const manifest = JSON.parse(readFileSync(join(root, 'app/manifest.webmanifest'), 'utf8'));
manifest.icons = [{ src: icon, sizes: 'any', type: 'image/svg+xml' }];
writeFileSync(join(out, 'manifest.webmanifest'), JSON.stringify(manifest, null, 2));

const precache = ['./', 'index.html', 'manifest.webmanifest', script, styles, icon];
const version = createHash('sha256').update(precache.join('\n') + html).digest('hex').slice(0, 12);
await esbuild.build({
  ...common,
  entryPoints: [join(root, 'sw/sw.ts')],
  outfile: join(out, 'sw.js'),
  format: 'iife',
  define: { PRECACHE: JSON.stringify(precache), VERSION: JSON.stringify(version) },
});

await esbuild.build({
  ...common,
  minify: false,
  entryPoints: [join(root, 'client/index.ts')],
  outfile: join(out, 'lib/synclog-client.js'),
  format: 'esm',
});
copyFileSync(join(root, 'client/README.md'), join(out, 'lib/README.md'));
console.log(`web/dist: ${[...precache.slice(1), 'sw.js', 'lib/synclog-client.js'].join(', ')}`);
