// n8n loads the nodes and credentials package.json's "n8n" section names; this file only lets
// the package be required as a whole (tests, tooling).
module.exports = {
  ZohoConnectorCrm: require('./nodes/ZohoConnectorCrm.node.js').ZohoConnectorCrm,
  ZohoConnectorBooks: require('./nodes/ZohoConnectorBooks.node.js').ZohoConnectorBooks,
  ZohoConnectorCrmTrigger: require('./nodes/ZohoConnectorCrmTrigger.node.js').ZohoConnectorCrmTrigger,
  ZohoConnectorBooksTrigger: require('./nodes/ZohoConnectorBooksTrigger.node.js').ZohoConnectorBooksTrigger,
  ZohoConnectorCrmInstantTrigger: require('./nodes/ZohoConnectorCrmInstantTrigger.node.js').ZohoConnectorCrmInstantTrigger,
  ZohoConnectorOAuth2Api: require('./credentials/ZohoConnectorOAuth2Api.credentials.js').ZohoConnectorOAuth2Api,
};
