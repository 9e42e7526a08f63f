/** Where `up` keeps its stack and where `run --attach` and `watch` look for it by default. */
export const DEFAULT_STACK_DIR = 'cosi-chaos-up';
