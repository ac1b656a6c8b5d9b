// World views for unit tests, built the way the engine builds them, and one plugin's contribution to the desired state.
export { contributionOf, worldFrom } from '../../plugins/testing.ts';
