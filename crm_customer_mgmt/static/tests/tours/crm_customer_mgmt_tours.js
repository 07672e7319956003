import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const CUSTOMER = "Tour Hengda Trading";
// a warning is snoozed for 90 days at most: 30 days from today
const SNOOZE = luxon.DateTime.now().plus({ days: 30 });

function openTab(name) {
    return { content: `open the ${name} tab`, trigger: `.o_notebook a[name='${name}']`, run: "click" };
}

function pickMany2one(field, text, scope = "") {
    return [
        {
            content: `type ${text} in ${field}`,
            trigger: `${scope} .o_field_widget[name='${field}'] input`,
            run: `edit ${text}`,
        },
        {
            content: `pick ${text}`,
            trigger: `.o-autocomplete--dropdown-item:contains(${text})`,
            run: "click",
        },
    ];
}

function pickSelection(field, label, scope = "") {
    return [
        {
            content: `open ${field}`,
            trigger: `${scope} .o_field_widget[name='${field}'] .o_select_menu_toggler`,
            run: "click",
        },
        {
            content: `pick ${label}`,
            trigger: `.o_select_menu_menu .o_select_menu_item:contains(${label})`,
            run: "click",
        },
    ];
}

function addCondition(metric, threshold, unit, { kind, operator } = {}) {
    const row = ".o_field_widget[name='condition_ids'] .o_selected_row";
    return [
        {
            content: "add a condition",
            trigger: ".o_field_widget[name='condition_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        ...pickSelection("metric", metric, row),
        ...(kind ? pickSelection("kind", kind, row) : []),
        ...(operator ? pickSelection("operator", operator, row) : []),
        {
            content: `the threshold counts in ${unit}`,
            trigger: `${row} .o_field_widget[name='unit_label']:contains(${unit})`,
        },
        {
            content: `threshold ${threshold}`,
            trigger: `${row} .o_field_widget[name='threshold'] input`,
            run: `edit ${threshold}`,
        },
    ];
}

function openAction(path, description) {
    return [
        stepUtils.goToUrl(`/odoo/${path}`),
        { content: `${description} is open`, trigger: `.o_breadcrumb:contains(${description})` },
    ];
}

function switchToPivot(description) {
    return [
        { content: `${description}: pivot`, trigger: ".o_switch_view.o_pivot", run: "click" },
        { content: `${description}: the pivot shows`, trigger: ".o_pivot table" },
    ];
}

registry.category("web_tour.tours").add("crm_customer_mgmt_rep_tour", {
    steps: () => [
        { content: "the customer's card is open", trigger: `.o_breadcrumb:contains(${CUSTOMER})` },
        {
            content: "a customer opens on its card",
            trigger: ".o_notebook a[name='customer_card'].active",
        },
        {
            content: "open the customer type",
            trigger: ".o_field_widget[name='customer_type'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "a loyal customer",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains(Loyal)",
            run: "click",
        },
        {
            content: "the type is set before the next field",
            trigger: ".o_field_widget[name='customer_type'] input:value(Loyal)",
        },
        {
            content: "note the brands carried",
            trigger: ".o_field_widget[name='main_brands'] input",
            run: "edit Midea, Gree",
        },
        ...stepUtils.saveForm(),
        {
            content: "mark the card reviewed",
            trigger: ".o_row button[name='action_mark_card_reviewed']",
            run: "click",
        },
        {
            content: "the review is logged",
            trigger: ".o-mail-Message:contains(Customer card reviewed by)",
        },
        openTab("customer_relationship"),
        {
            content: "add a wallet period",
            trigger: ".o_field_widget[name='customer_wallet_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "from",
            trigger: ".o_field_widget[name='customer_wallet_ids'] .o_selected_row [name='date_from'] input",
            run: "edit 01/01/2030",
        },
        {
            content: "to",
            trigger: ".o_field_widget[name='customer_wallet_ids'] .o_selected_row [name='date_to'] input",
            run: "edit 12/31/2030",
        },
        {
            content: "the customer's total spend",
            trigger: ".o_field_widget[name='customer_wallet_ids'] .o_selected_row [name='total_spend'] input",
            run: "edit 80000",
        },
        ...stepUtils.saveForm(),
        {
            content: "the period is saved",
            trigger: ".o_field_widget[name='customer_wallet_ids'] .o_data_row:contains(80,000)",
        },
        openTab("customer_credit"),
        {
            content: "the score is explained",
            trigger: ".o_field_widget[name='credit_score_explanation']:contains(Payment punctuality)",
        },
        {
            content: "open the customer's warnings",
            trigger: "button[name='action_open_warnings']",
            run: "click",
        },
        {
            content: "open the warning",
            trigger: ".o_data_row td[name='partner_id']:contains(" + CUSTOMER + ")",
            run: "click",
        },
        {
            content: "acknowledge it",
            trigger: ".o_statusbar_buttons button:contains(Acknowledge)",
            run: "click",
        },
        {
            content: "say what is done",
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit Called the buyer, payment promised",
        },
        {
            content: "snooze it",
            trigger: ".modal .o_field_widget[name='snooze_until'] input",
            run: `edit ${SNOOZE.toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "confirm",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "the warning is acknowledged and snoozed",
            trigger: `.o-mail-Message:contains(${SNOOZE.toFormat("MM/dd/yyyy")}):contains(Snoozed Until)`,
        },
        {
            content: "acknowledged",
            trigger: ".o_statusbar_status [aria-checked='true']:contains(Acknowledged)",
        },
    ],
});

registry.category("web_tour.tours").add("crm_customer_mgmt_supervisor_tour", {
    steps: () => [
        { content: "the customer's card is open", trigger: `.o_breadcrumb:contains(${CUSTOMER})` },
        openTab("customer_relationship"),
        {
            content: "confirm the proposed stage",
            trigger: ".alert button[name='action_confirm_stage']",
            run: "click",
        },
        {
            content: "the customer is a strategic partner",
            trigger: ".o_field_widget[name='customer_stage_id']:contains(Strategic partnership)",
        },
        {
            content: "set the stage by hand",
            trigger: ".o_notebook button:contains(Set Stage)",
            run: "click",
        },
        ...pickMany2one("stage_id", "Stable cooperation", ".modal"),
        {
            content: "why",
            trigger: ".modal .o_field_widget[name='reason'] textarea",
            run: "edit The framework contract ended",
        },
        {
            content: "apply",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "the stage is set",
            trigger: ".o_field_widget[name='customer_stage_id']:contains(Stable cooperation)",
        },
        openTab("customer_card"),
        ...pickMany2one("card_owner_id", "Tour Rep Two"),
        ...stepUtils.saveForm(),
        openTab("customer_credit"),
        {
            content: "apply the recommended limit",
            trigger: "button[name='action_apply_recommended_credit_limit']",
            run: "click",
        },
        {
            content: "the new limit is logged",
            trigger: ".o-mail-Message:contains(Credit limit set from)",
        },
        ...openAction("action-crm_customer_mgmt.action_crm_customer_warning_rule", "Warning Rules"),
        {
            content: "open the rule",
            trigger: ".o_data_row td[name='name']:contains(Tour review rule)",
            run: "click",
        },
        {
            content: "preview it",
            trigger: ".o_statusbar_buttons button[name='action_preview']",
            run: "click",
        },
        {
            content: "the preview lists the customer, whom a run would warn",
            trigger: `.o_field_widget[name='line_ids'] .o_data_row:contains(${CUSTOMER}):contains(Would open)`,
        },
        { content: "and the cap", trigger: ".o_field_widget[name='max_new_warnings']:contains(200)" },
        {
            content: "back to the rule",
            trigger: ".o_breadcrumb a:contains(Tour review rule)",
            run: "click",
        },
        {
            content: "back-test it",
            trigger: ".o_statusbar_buttons button[name='action_backtest']",
            run: "click",
        },
        {
            content: "over six month-ends",
            trigger: ".modal .o_field_widget[name='months'] input",
            run: "edit 6",
        },
        { content: "run the back-test", trigger: ".modal button[name='action_run']", run: "click" },
        {
            content: "the back-test shows as a graph, with today's figure",
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
        },
        {
            content: "it says how far it got",
            trigger: ".o_breadcrumb:contains(6 of 6 month-ends, 1 matching today)",
        },
        ...openAction("action-crm_customer_mgmt.action_crm_customer_warning_rule", "Warning Rules"),
        { content: "a new rule", trigger: ".o_list_button_add", run: "click" },
        {
            content: "name it",
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Tour new rule",
        },
        ...addCondition("Months of consecutive decline", "3", "months"),
        ...addCondition("Product lines bought in the period", "-40", "%", {
            kind: "Change vs previous period",
            operator: "≤",
        }),
        {
            content: "no condition reads the period: its field is hidden",
            trigger: ".o_form_sheet:not(:has(.o_field_widget[name='period_days']))",
        },
        ...addCondition("Key contact changed", "1", "count"),
        {
            content: "a key contact change counts over the period: its field shows",
            trigger: ".o_form_sheet .o_field_widget[name='period_days']",
        },
        {
            content: "remove that condition",
            trigger: ".o_field_widget[name='condition_ids'] .o_data_row:last .o_list_record_remove button",
            run: "click",
        },
        {
            content: "the period field is hidden again",
            trigger: ".o_form_sheet:not(:has(.o_field_widget[name='period_days']))",
        },
        {
            content: "preview the new rule",
            trigger: ".o_statusbar_buttons button[name='action_preview']",
            run: "click",
        },
        {
            content: "the preview says the rule is inactive",
            trigger: ".o_form_view .alert:contains(This rule is inactive)",
        },
        {
            content: "back to the new rule",
            trigger: ".o_breadcrumb a:contains(Tour new rule)",
            run: "click",
        },
        { content: "the form says so too", trigger: ".ribbon:contains(Inactive)" },
        ...openAction("customer-card-review", "Card Review"),
        { content: "the cards by owner", trigger: ".o_list_view .o_group_name:contains(Tour Rep Two)" },
        ...openAction("customer-warnings", "Warnings"),
        ...switchToPivot("Warnings"),
        ...openAction("customer-credit", "Credit Grades"),
        ...switchToPivot("Credit"),
        ...openAction("action-crm_customer_mgmt.action_crm_customer_stage_history", "Stage Movements"),
        ...switchToPivot("Stage Movements"),
        {
            content: "the confirmation and the stage set by hand show",
            trigger: ".o_pivot table:contains(Set by hand):contains(Confirmed)",
        },
    ],
});
