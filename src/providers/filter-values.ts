// The vendor tables the filter checks read, gathered from the providers that own them: the core's
// filter (core/filter.ts) receives these values and knows no vendor's list itself.
import type { FilterValues } from '../core/filter.js';
import { ASANA_ACTIONS, ASANA_CHANGE_FIELDS, ASANA_RESOURCE_TYPES } from './asana/event-values.js';
import { BOX_EVENT_TYPES, BOX_SOURCE_TYPES } from './box/event-types.js';

export const FILTER_VALUES: FilterValues = {
  asana: { actions: ASANA_ACTIONS, resourceTypes: ASANA_RESOURCE_TYPES, changeFields: ASANA_CHANGE_FIELDS },
  box: { eventTypes: BOX_EVENT_TYPES, sourceTypes: BOX_SOURCE_TYPES },
};
