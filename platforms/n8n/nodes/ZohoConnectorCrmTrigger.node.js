// Zoho CRM Trigger: the component's CRM polling triggers, its position kept in the workflow's
// static data between polls (n8n saves it after each poll).
const shared = require('./manifest-properties.js');

const triggers = shared.crmPollingTriggers;

function triggerProperties() {
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
    const required = new Set(entry.inputSchema.required ?? []);
    for (const [name, schema] of Object.entries(entry.inputSchema.properties ?? {})) {
      properties.push(shared.property(name, schema, required.has(name), { event: [entry.key] }));
    }
  }
  return properties;
}

class ZohoConnectorCrmTrigger {
  constructor() {
    this.description = {
      displayName: 'Zoho CRM Trigger',
      name: 'zohoConnectorCrmTrigger',
      icon: 'file:zohoCrm.svg',
      group: ['trigger'],
      version: 1,
      polling: true,
      subtitle: '={{$parameter["event"]}}',
      description: 'Starts the workflow when CRM records are created, updated or deleted',
      defaults: { name: 'Zoho CRM Trigger' },
      inputs: [],
      outputs: ['main'],
      credentials: [{ name: shared.CREDENTIAL, required: true }],
      properties: triggerProperties(),
    };
  }

  async poll() {
    const key = this.getNodeParameter('event');
    const entry = triggers.find((t) => t.key === key);
    const staticData = this.getWorkflowStaticData('node');
    const connector = await shared.connectorFor(this);
    let result;
    try {
      result = await connector.poll(entry.key, shared.CONNECTION, shared.inputsOf(this, entry, 0), staticData.zohoState);
    } catch (error) {
      // The static data is left as it was: the next poll starts from the same place.
      throw shared.asNodeError(this, error, 0);
    }
    staticData.zohoState = result.state;
    if (result.events.length === 0) return null;
    return [result.events.map((event) => ({ json: event }))];
  }
}

module.exports = { ZohoConnectorCrmTrigger };
