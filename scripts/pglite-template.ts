// `node dist/scripts/pglite-template.js` (run by `npm run build` and before `npm start`): creates the
// embedded store's data directory template once, so a first start with a fresh DATA_DIR copies files
// instead of running initdb. Does nothing when the template for the installed PGlite exists.
import { preparePgliteTemplate } from '../src/store/pglite.js';

const dir = await preparePgliteTemplate();
if (!dir) {
  console.error('pglite template: the package folder is not writable; fresh data directories will run initdb');
  process.exitCode = 1;
}
