import { onEveryReadStore } from './readStoreAdapters.js';
import { readStoreConformance } from './readStoreSuite.js';

onEveryReadStore('read-store', readStoreConformance);
