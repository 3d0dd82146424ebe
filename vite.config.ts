import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One config for the studio (Vite) and every test suite (Vitest).
// Projects: unit (pure Node), gpu (WGSL kernels through Dawn/SwiftShader), e2e (headless Chromium).
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: false, fs: { allow: ['.'] } },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', 'webgpu'] },
  build: { target: 'es2022' },
  test: {
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 } },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          // Dawn keeps native state per process (and needs the real process environment): one fork per file.
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
