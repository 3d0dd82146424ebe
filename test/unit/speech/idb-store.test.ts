// The studio's IndexedDB-backed speech cache, on fake-indexeddb in Node.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IdbAudioStore } from '../../../src/speech/idb-store.ts';

describe('IdbAudioStore', () => {
  it('stores and returns Float32Array audio by key; misses are undefined', async () => {
    const store = new IdbAudioStore('tarl-speech-test');
    const audio = Float32Array.from([0.25, -0.5, 0.125]);
    expect(await store.get('k1')).toBeUndefined();
    await store.put('k1', audio);
    const again = new IdbAudioStore('tarl-speech-test'); // a second handle on the same database
    const got = await again.get('k1');
    expect(got).toBeInstanceOf(Float32Array);
    expect(Array.from(got!)).toEqual([0.25, -0.5, 0.125]);
  });
});
