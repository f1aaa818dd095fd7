import { attributeReadStoreConformance } from './attributeReadStoreSuite.js';
import { onEveryReadStore } from './readStoreAdapters.js';

onEveryReadStore('attribute read-model', attributeReadStoreConformance);
