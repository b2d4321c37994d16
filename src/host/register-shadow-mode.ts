// Whether the host answers side-effect-free register reads from the register shadow
// (shadow-reader.ts): 'on' (the default), 'off' (every read through the request ring, as
// before the shadow existed; for comparisons), or 'verify' (each read the shadow could
// answer also goes through the ring, the two answers are compared and the ring's is returned;
// for tests). The environment variable HVMIO_REGISTER_SHADOW sets it for every device of a
// process, and is inherited by the `hvmio remote` that `hvmio run` starts.

export type RegisterShadowMode = 'on' | 'off' | 'verify';

export const REGISTER_SHADOW_MODES: readonly RegisterShadowMode[] = ['on', 'off', 'verify'];

/** The mode HVMIO_REGISTER_SHADOW asks for ('on' when unset or empty); throws a one-line
 *  error on anything else. */
export function registerShadowModeFromEnv(env: NodeJS.ProcessEnv = process.env): RegisterShadowMode {
  const v = env.HVMIO_REGISTER_SHADOW;
  if (v === undefined || v === '') return 'on';
  if ((REGISTER_SHADOW_MODES as readonly string[]).includes(v)) return v as RegisterShadowMode;
  throw new Error(`HVMIO_REGISTER_SHADOW must be one of ${REGISTER_SHADOW_MODES.join(', ')}, not "${v}"`);
}
