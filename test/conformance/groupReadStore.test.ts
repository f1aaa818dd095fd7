import { groupReadStoreConformance } from './groupReadStoreSuite.js';
import { onEveryReadStore } from './readStoreAdapters.js';

onEveryReadStore('groups read-model', groupReadStoreConformance);
