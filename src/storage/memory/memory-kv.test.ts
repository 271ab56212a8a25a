import { runStorageConformance } from '../testing/conformance.js';
import { MemoryKV } from './memory-kv.js';

runStorageConformance({ name: 'memory', newStore: async () => new MemoryKV() });
