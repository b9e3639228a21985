// The values Asana's events can carry in the fields that --resource-type and --field read, from
// the official spec (asana_oas.yaml), so a filter value that can never match is refused before
// the cursor moves past events it would have printed.

/**
 * Event.resource.resource_type (schema AsanaNamedResource): the `resource_type` of every schema
 * in components.schemas of asana_oas.yaml.
 */
export const ASANA_RESOURCE_TYPES: readonly string[] = [
  'access_request', 'agent', 'allocation', 'attachment', 'budget', 'custom_field',
  'custom_field_membership', 'custom_field_setting', 'custom_type', 'custom_type_membership',
  'custom_type_status_option', 'enum_option', 'export_request', 'goal', 'goal_relationship',
  'graph_export', 'job', 'membership', 'ooo_entry', 'organization_export', 'portfolio',
  'portfolio_membership', 'project', 'project_brief', 'project_membership',
  'project_portfolio_setting', 'project_status', 'project_template', 'rate', 'role', 'section',
  'status_update', 'story', 'tag', 'task', 'task_template', 'team', 'team_membership',
  'time_period', 'time_tracking_category', 'time_tracking_entry', 'timesheet_approval_status',
  'user', 'user_task_list', 'webhook', 'workspace', 'workspace_membership',
];

/**
 * Event.change.field (schema EventResponse, "the name of the field that has changed in the
 * resource"): the properties of the schemas of the resources events are about, TaskResponse,
 * ProjectResponse, StoryResponse, SectionResponse, TagResponse, AttachmentResponse, GoalResponse,
 * PortfolioResponse and StatusUpdateResponse (with their allOf parts), less gid and resource_type.
 * A custom field's change is `custom_fields`, whatever the custom field is called.
 */
export const ASANA_CHANGE_FIELDS: readonly string[] = [
  'actual_time_minutes', 'approval_status', 'archived', 'assigned_by', 'assignee',
  'assignee_section', 'assignee_status', 'author', 'color', 'completed', 'completed_at',
  'completed_by', 'connected_to_app', 'created_at', 'created_by', 'created_from_template',
  'current_status', 'current_status_update', 'custom_field', 'custom_field_settings',
  'custom_fields', 'custom_type', 'custom_type_status_option', 'default_access_level',
  'default_view', 'dependencies', 'dependency', 'dependents', 'download_url', 'due_at',
  'due_date', 'due_on', 'duplicate_of', 'duplicated_from', 'external', 'follower', 'followers',
  'hearted', 'hearts', 'host', 'html_notes', 'html_text', 'icon', 'is_editable', 'is_edited',
  'is_pinned', 'is_rendered_as_separator', 'is_workspace_level', 'liked', 'likes', 'members',
  'memberships', 'metric', 'minimum_access_level_for_customization',
  'minimum_access_level_for_sharing', 'modified_at', 'name', 'new_approval_status',
  'new_date_value', 'new_dates', 'new_enum_value', 'new_multi_enum_values', 'new_name',
  'new_number_value', 'new_people_value', 'new_resource_subtype', 'new_section', 'new_text_value',
  'notes', 'num_hearts', 'num_likes', 'num_subtasks', 'old_approval_status', 'old_date_value',
  'old_dates', 'old_enum_value', 'old_multi_enum_values', 'old_name', 'old_number_value',
  'old_people_value', 'old_resource_subtype', 'old_section', 'old_text_value', 'owner', 'parent',
  'permalink_url', 'permanent_url', 'previews', 'privacy_setting', 'project', 'project_brief',
  'project_templates', 'projects', 'public', 'reaction_summary', 'resource_subtype', 'size',
  'source', 'start_at', 'start_on', 'status', 'status_type', 'sticker_name', 'story', 'tag',
  'tags', 'target', 'task', 'team', 'text', 'time_period', 'title', 'type', 'view_url',
  'workspace',
];
