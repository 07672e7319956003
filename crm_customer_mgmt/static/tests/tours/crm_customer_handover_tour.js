import { registry } from "@web/core/registry";

const CUSTOMER = "Tour Handover Trading";
const MENU = "[data-menu-xmlid='crm_customer_mgmt.crm_customer_handover_menu']";

function pickUser(field, name) {
    return [
        {
            content: `type ${name} in ${field}`,
            trigger: `.modal .o_field_widget[name='${field}'] input`,
            run: `edit ${name}`,
        },
        {
            content: `pick ${name}`,
            trigger: `.o-autocomplete--dropdown-item:contains(${name})`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("crm_customer_handover_tour", {
    steps: () => [
        { content: "the customer's card is open", trigger: `.o_breadcrumb:contains(${CUSTOMER})` },
        {
            content: "a narrow navbar folds the app's menus under More",
            trigger: ".o_menu_sections",
            run() {
                const entry = document.querySelector(`.o_menu_sections ${MENU}`);
                if (!entry?.checkVisibility()) {
                    document.querySelector(".o_menu_sections_more button")?.click();
                }
            },
        },
        { content: "open the hand-over from the app's menu", trigger: MENU, run: "click" },
        { content: "the hand-over opens", trigger: ".modal .o_form_view" },
        ...pickUser("from_user_id", "Tour Leaver"),
        {
            content: "the preview counts the leaver's customer",
            trigger: ".modal .o_field_widget[name='customer_count']:contains(1)",
        },
        ...pickUser("to_user_id", "Tour Taker"),
        {
            content: "say why",
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit The rep leaves",
        },
        {
            content: "the preview says who gets what",
            trigger: ".modal .o_field_widget[name='allocation_text']:contains(Tour Taker: 1)",
        },
        {
            content: "hand over",
            trigger: ".modal-footer button[name='action_handover']",
            run: "click",
        },
        {
            content: "the owner change is listed",
            trigger: `.o_list_view .o_data_row:contains(${CUSTOMER}):contains(Tour Taker)`,
        },
        {
            content: "back to the card",
            trigger: `.o_breadcrumb a:contains(${CUSTOMER})`,
            run: "click",
        },
        {
            content: "the hand-over note is on the card's chatter",
            trigger: ".o-mail-Message:contains(Handed over from Tour Leaver to Tour Taker)",
        },
    ],
});
