// Node only: make Dawn find a Vulkan driver. On machines without a usable GPU driver (CI, most
// laptops without Vulkan), fall back to the SwiftShader CPU driver that Debian's chromium ships.
import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** True if the user configured a Vulkan driver explicitly (then we never override it). */
export function userChoseDriver(): boolean {
  return Boolean(process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) && process.env.TARL_GPU !== 'swiftshader';
}

/** Points the Vulkan loader at SwiftShader. Returns false if it is not installed. */
export function useSwiftShader(): boolean {
  if (!existsSync(SWIFTSHADER_ICD)) return false;
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return true;
}

export function prepareDawnEnvironment(): void {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  if (process.env.TARL_GPU === 'swiftshader') useSwiftShader();
}
