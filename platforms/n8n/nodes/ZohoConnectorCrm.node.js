// Zoho CRM: every CRM action of the component, as resources and operations.
const shared = require('./manifest-properties.js');

class ZohoConnectorCrm {
  constructor() {
    this.description = {
      displayName: 'Zoho CRM',
      name: 'zohoConnectorCrm',
      icon: 'file:zohoCrm.svg',
      // An AI agent in n8n can call every operation as a tool.
      usableAsTool: true,
      group: ['transform'],
      version: 1,
      subtitle: '={{$parameter["operation"]}}',
      description: 'Zoho CRM records, search, COQL, attachments, notes, tags, bulk jobs and more',
      defaults: { name: 'Zoho CRM' },
      inputs: ['main'],
      outputs: ['main'],
      credentials: [{ name: shared.CREDENTIAL, required: true }],
      properties: shared.actionProperties(shared.crmActions),
    };
    // Dropdowns and field-by-field values, listed from Zoho through the component.
    this.methods = shared.nodeMethods(shared.crmActions, 'operation');
  }

  async execute() {
    return shared.execute(this, shared.crmActions);
  }
}

module.exports = { ZohoConnectorCrm };
