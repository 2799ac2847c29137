import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FsModelStore } from '../../providers/local/fs-model-store.js';
import { registryOperationsContract } from './operations-contract.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir();
let n = 0;

registryOperationsContract(
  'filesystem (file://)',
  async () => new FsModelStore(`file://${mkdtempSync(path.join(root, `s${n++}-`))}`),
  async (store, key, body) => {
    writeFileSync(path.join(store.uri.slice('file://'.length), key), body);
  },
);
