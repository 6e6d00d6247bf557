// The handlers of the connector whose call is running. Calls into the component are
// synchronous, so exactly one call runs at a time on this thread and owns these handlers.
export const current = { handlers: null };
