// Zoho CRM Instant Trigger: the component's instant trigger, keeping its own channel
// (nodes/instant-trigger.js).
const shared = require('./manifest-properties.js');
const { instantTrigger } = require('./instant-trigger.js');

const trigger = instantTrigger({
  entry: shared.manifest.triggers.find((t) => t.product === 'crm' && t.kind === 'instant'),
  displayName: 'Zoho CRM Instant Trigger',
  name: 'zohoConnectorCrmInstantTrigger',
  icon: 'file:zohoCrm.svg',
  description: 'Starts the workflow the moment CRM records are created, edited or deleted',
});

class ZohoConnectorCrmInstantTrigger {
  constructor() {
    this.description = trigger.description;
    this.webhookMethods = trigger.webhookMethods;
  }

  async webhook() {
    return trigger.webhook.call(this);
  }

  async poll() {
    return trigger.poll.call(this);
  }
}

module.exports = { ZohoConnectorCrmInstantTrigger };
