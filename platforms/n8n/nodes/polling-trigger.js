// A polling trigger node for one product's polling triggers, from the manifest: the event
// chooses the trigger, its inputs are the node's properties, and the component's position is
// kept in the workflow's static data (`zohoState`), moved only after a poll succeeded.
//
// A manual run ("Fetch test event" in the editor) shows the most recent records instead of
// waiting for new ones, and leaves the saved position where it was: testing a workflow never
// makes the active one skip or repeat an event.
const shared = require('./manifest-properties.js');

/** Records a manual run shows when the trigger's own backfill asks for fewer. */
const MANUAL_SAMPLE = 5;

function triggerProperties(triggers) {
  const properties = [
    {
      displayName: 'Event',
      name: 'event',
      type: 'options',
      noDataExpression: true,
      options: triggers.map((t) => ({ name: t.label, value: t.key, description: t.description })),
      default: triggers[0].key,
    },
  ];
  for (const entry of triggers) {
    properties.push(...shared.entryProperties(entry, { event: [entry.key] }));
  }
  return properties;
}

/** The node description's fields and `poll` for `triggers` (one product's polling triggers). */
function pollingTrigger({ triggers, displayName, name, icon, description }) {
  return {
    description: {
      ...shared.triggerNodeDescription({ displayName, name, icon, description, subtitle: '={{$parameter["event"]}}' }),
      properties: triggerProperties(triggers),
    },
    methods: shared.nodeMethods(triggers, 'event'),
    async poll() {
      const key = this.getNodeParameter('event');
      const entry = triggers.find((t) => t.key === key);
      const staticData = this.getWorkflowStaticData('node');
      const manual = this.getMode() === 'manual';
      const input = shared.inputsOf(this, entry);
      if (manual) input.backfill = Math.max(input.backfill ?? 0, MANUAL_SAMPLE);
      const connector = await shared.connectorFor(this);
      let result;
      try {
        // A manual run starts afresh and is not kept.
        result = await connector.poll(entry.key, shared.CONNECTION, input, manual ? undefined : staticData.zohoState);
      } catch (error) {
        // The static data is left as it was: the next poll starts from the same place.
        throw shared.asNodeError(this, error, 0);
      }
      if (!manual) staticData.zohoState = result.state;
      if (result.events.length === 0) return null;
      return [result.events.map((event) => ({ json: event }))];
    },
  };
}

module.exports = { pollingTrigger };
