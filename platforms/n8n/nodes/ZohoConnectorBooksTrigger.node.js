// Zoho Books Trigger: the component's Books polling triggers (nodes/polling-trigger.js).
const shared = require('./manifest-properties.js');
const { pollingTrigger } = require('./polling-trigger.js');

const trigger = pollingTrigger({
  triggers: shared.manifest.triggers.filter((t) => t.product === 'books' && t.kind === 'polling'),
  displayName: 'Zoho Books Trigger',
  name: 'zohoConnectorBooksTrigger',
  icon: 'file:zohoBooks.svg',
  description: 'Starts the workflow when Books records (invoices, contacts, bills, ...) are created or updated',
});

class ZohoConnectorBooksTrigger {
  constructor() {
    this.description = trigger.description;
    this.methods = trigger.methods;
  }

  async poll() {
    return trigger.poll.call(this);
  }
}

module.exports = { ZohoConnectorBooksTrigger };
