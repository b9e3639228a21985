// The real APIs' base URLs, apart from the provider modules so commands that only need a host
// (state reset) do not load the HTTP stack.
export const DEFAULT_ASANA_BASE_URL = 'https://app.asana.com/api/1.0';
export const DEFAULT_BOX_BASE_URL = 'https://api.box.com/2.0';
