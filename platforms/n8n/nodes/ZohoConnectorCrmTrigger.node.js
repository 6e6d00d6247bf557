// Zoho CRM Trigger: the component's CRM polling triggers (nodes/polling-trigger.js).
const shared = require('./manifest-properties.js');
const { pollingTrigger } = require('./polling-trigger.js');

const trigger = pollingTrigger({
  triggers: shared.manifest.triggers.filter((t) => t.product === 'crm' && t.kind === 'polling'),
  displayName: 'Zoho CRM Trigger',
  name: 'zohoConnectorCrmTrigger',
  icon: 'file:zohoCrm.svg',
  description: 'Starts the workflow when CRM records are created, updated or deleted',
});

class ZohoConnectorCrmTrigger {
  constructor() {
    this.description = trigger.description;
    this.methods = trigger.methods;
  }

  async poll() {
    return trigger.poll.call(this);
  }
}

module.exports = { ZohoConnectorCrmTrigger };
