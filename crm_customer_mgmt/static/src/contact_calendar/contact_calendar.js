import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useSetupAction } from "@web/search/action_hook";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const { DateTime } = luxon;
const MONTH_FORMAT = "yyyy-MM";

/**
 * The contact calendar (T/E/M table): the customers the user may read down, the days of a
 * month across, in each cell the calls (T), emails (E) and meetings (M) made, and those
 * planned drawn apart. The server (crm.customer.contact.get_contact_calendar) gives the
 * grid; this component switches the month, filters and pages, and opens what is clicked.
 */
export class ContactCalendar extends Component {
    static template = "crm_customer_mgmt.ContactCalendar";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        const saved = this.props.state || {};
        this.state = useState({
            month: saved.month || DateTime.now().toFormat(MONTH_FORMAT),
            filters: saved.filters || {},
            offset: saved.offset || 0,
            data: null,
        });
        this.loads = 0;
        useSetupAction({
            getLocalState: () => ({
                month: this.state.month,
                filters: this.state.filters,
                offset: this.state.offset,
            }),
        });
        onWillStart(() => this.load());
    }

    /** Loads the grid; of loads that overlap, only the last one's answer shows. */
    async load() {
        const load = ++this.loads;
        const data = await this.orm.call(
            "crm.customer.contact",
            "get_contact_calendar",
            [this.state.month],
            { filters: this.state.filters, offset: this.state.offset }
        );
        if (load === this.loads) {
            this.state.data = data;
        }
    }

    get monthLabel() {
        return DateTime.fromFormat(this.state.month, MONTH_FORMAT).toFormat("MMMM yyyy");
    }

    get legend() {
        return [
            { kind: "phone", letter: "T", label: _t("Phone") },
            { kind: "email", letter: "E", label: _t("Email") },
            { kind: "meeting", letter: "M", label: _t("Meeting") },
        ];
    }

    get pager() {
        const { total, offset, limit } = this.state.data;
        return {
            first: total ? offset + 1 : 0,
            last: Math.min(offset + limit, total),
            total,
            hasPrevious: offset > 0,
            hasNext: offset + limit < total,
        };
    }

    tierLabel(tier) {
        const pair = this.state.data.options.value_tiers.find(([value]) => value === tier);
        return pair ? pair[1] : "";
    }

    isToday(day) {
        const today = this.state.data.today;
        return today === `${this.state.data.month}-${String(day.day).padStart(2, "0")}`;
    }

    entryTooltip(entry) {
        const kind = this.legend.find((item) => item.kind === entry.kind).label;
        const status = entry.planned ? _t("planned") : _t("done");
        return entry.note ? `${kind} (${status}): ${entry.note}` : `${kind} (${status})`;
    }

    async shiftMonth(months) {
        const month = months
            ? DateTime.fromFormat(this.state.month, MONTH_FORMAT).plus({ months })
            : DateTime.now();
        this.state.month = month.toFormat(MONTH_FORMAT);
        this.state.offset = 0;
        await this.load();
    }

    async onFilterChange(key, ev) {
        const value = ev.target.value;
        const filters = { ...this.state.filters };
        if (!value) {
            delete filters[key];
        } else {
            filters[key] = key === "value_tier" ? value : parseInt(value, 10);
        }
        this.state.filters = filters;
        this.state.offset = 0;
        await this.load();
    }

    async turnPage(step) {
        this.state.offset = Math.max(0, this.state.offset + step * this.state.data.limit);
        await this.load();
    }

    openCustomer(customer) {
        return this.openRecord("res.partner", customer.id);
    }

    /** A meeting opens its event; a call or email (activity or message) its customer. */
    openEntry(customer, entry) {
        if (entry.model === "calendar.event") {
            return this.openRecord("calendar.event", entry.res_id);
        }
        return this.openCustomer(customer);
    }

    openRecord(resModel, resId) {
        return this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: resModel,
            res_id: resId,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("crm_customer_mgmt.contact_calendar", ContactCalendar);
