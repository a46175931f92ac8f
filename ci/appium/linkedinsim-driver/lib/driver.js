'use strict';

// The LinkedInSim driver: forwards every W3C command to the simulated phone's server, the way the
// UiAutomator2 driver forwards to the server it runs on the device. The phone owns all behaviour.

const driverLib = require('appium/driver');

const {BaseDriver, errors} = driverLib;
// WebDriverProxy is the current name; JWProxy is the deprecated alias older base-drivers have.
const WebDriverProxy = driverLib.WebDriverProxy || driverLib.JWProxy;

const DEFAULT_SIM_COMMAND_TIMEOUT_MS = 240000;

// Capability names without the `appium:` prefix, as base-driver expects them.
const DESIRED_CAP_CONSTRAINTS = Object.freeze({
  platformName: {presence: true, isString: true, inclusionCaseInsensitive: ['Android', 'iOS']},
  simServer: {presence: true, isString: true},
  appPackage: {isString: true},
  appActivity: {isString: true},
  bundleId: {isString: true},
  udid: {isString: true},
  deviceName: {isString: true},
  noReset: {isBoolean: true},
  forceAppLaunch: {isBoolean: true},
  dontStopAppOnReset: {isBoolean: true},
  autoLaunch: {isBoolean: true},
  simCommandTimeout: {isNumber: true},
});

// Capabilities the phone needs to pick and start the app (and to decide whether a running app is restarted,
// as UiAutomator2/XCUITest do with noReset/forceAppLaunch); the rest stays in Appium.
const FORWARDED_CAPS = ['platformName', 'appPackage', 'appActivity', 'bundleId', 'udid', 'deviceName', 'noReset',
  'forceAppLaunch', 'dontStopAppOnReset', 'autoLaunch'];

/** Parses the simServer capability into JWProxy options, or throws SessionNotCreatedError. */
function proxyOptionsFor(simServer, timeout, log) {
  let url;
  try {
    url = new URL(simServer);
  } catch {
    throw new errors.SessionNotCreatedError(
      `appium:simServer must be a URL like http://127.0.0.1:PORT, got '${simServer}'`);
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    throw new errors.SessionNotCreatedError(`appium:simServer must be http(s), got '${simServer}'`);
  }
  const port = url.port ? Number(url.port) : (url.protocol === 'https:' ? 443 : 80);
  const base = url.pathname.replace(/\/+$/, '');
  return {scheme: url.protocol.slice(0, -1), server: url.hostname, port, base, timeout, log, keepAlive: true};
}

class LinkedInSimDriver extends BaseDriver {
  constructor(opts = {}, shouldValidateCaps = true) {
    super(opts, shouldValidateCaps);
    this.desiredCapConstraints = DESIRED_CAP_CONSTRAINTS;
    this.simProxy = null;
    this.jwpProxyActive = false;
    // Nothing is avoided: every command, including settings and `mobile:` scripts, goes to the phone.
    this.jwpProxyAvoid = [];
  }

  async createSession(w3cCaps1, w3cCaps2, w3cCaps3, driverData) {
    const [sessionId, caps] = await super.createSession(w3cCaps1, w3cCaps2, w3cCaps3, driverData);
    try {
      const phoneCaps = await this.startPhoneSession(caps);
      return [sessionId, {...phoneCaps, ...caps}];
    } catch (err) {
      await super.deleteSession(sessionId);
      throw err;
    }
  }

  /** Opens the proxy to the phone and starts the phone-side session; returns the phone's capabilities. */
  async startPhoneSession(caps) {
    const timeout = caps.simCommandTimeout ?? DEFAULT_SIM_COMMAND_TIMEOUT_MS;
    this.simProxy = new WebDriverProxy(proxyOptionsFor(caps.simServer, timeout, this.log));
    const alwaysMatch = {};
    for (const name of FORWARDED_CAPS) {
      if (caps[name] !== undefined) {
        alwaysMatch[name === 'platformName' ? name : `appium:${name}`] = caps[name];
      }
    }
    let result;
    try {
      result = await this.simProxy.command('/session', 'POST', {capabilities: {alwaysMatch, firstMatch: [{}]}});
    } catch (err) {
      this.simProxy = null;
      throw new errors.SessionNotCreatedError(
        `The simulated phone at ${caps.simServer} refused or did not answer the session request: ${err.message}`);
    }
    this.proxyReqRes = this.simProxy.proxyReqRes.bind(this.simProxy);
    this.proxyCommand = this.simProxy.command.bind(this.simProxy);
    this.jwpProxyActive = true;
    this.log.info(`Forwarding commands to the simulated phone at ${caps.simServer} ` +
      `(phone session ${this.simProxy.sessionId})`);
    // Report the phone's capabilities in Appium's unprefixed form so they merge with the session's own.
    const phoneCaps = {};
    for (const [name, value] of Object.entries((result && result.capabilities) || {})) {
      phoneCaps[name.replace(/^appium:/, '')] = value;
    }
    return phoneCaps;
  }

  async deleteSession(sessionId) {
    if (this.simProxy && this.jwpProxyActive) {
      try {
        await this.simProxy.command('', 'DELETE');
      } catch (err) {
        // The phone may already be gone (killed mid-run); the Appium session must still end.
        this.log.warn(`Could not end the phone-side session: ${err.message}`);
      }
    }
    this.jwpProxyActive = false;
    this.simProxy = null;
    await super.deleteSession(sessionId);
  }

  // Settings from `appium:settings[...]` capabilities reach the driver through this call after the session
  // starts (Appium does not route it as a command); forward them, as the UiAutomator2 driver does, so the
  // phone keeps and honours them (waitForIdleTimeout on a never-idle screen).
  async updateSettings(settings) {
    await this.settings.update(settings);
    if (this.simProxy && this.jwpProxyActive) {
      await this.simProxy.command('/appium/settings', 'POST', {settings});
    }
  }

  async getSettings() {
    const driverSettings = this.settings.getSettings();
    if (!this.simProxy || !this.jwpProxyActive) {
      return driverSettings;
    }
    return {...driverSettings, ...(await this.simProxy.command('/appium/settings', 'GET'))};
  }

  proxyActive() {
    return this.jwpProxyActive;
  }

  canProxy() {
    return true;
  }

  getProxyAvoidList() {
    return this.jwpProxyAvoid;
  }
}

module.exports = {LinkedInSimDriver, DESIRED_CAP_CONSTRAINTS, proxyOptionsFor};
module.exports.default = LinkedInSimDriver;
